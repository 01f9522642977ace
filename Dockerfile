# syntax=docker/dockerfile:1
# The gateway image: build with the .NET SDK, run on the chiseled ASP.NET runtime (no shell, no package manager,
# non-root "app" user, UID 1654). Build: docker build -t akka-gateway:dev .

# ---- build: restore (cached on the project files), then publish Gateway.Host framework-dependent.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY NuGet.config Directory.Build.props Directory.Packages.props ./
COPY Gateway.Actors/Gateway.Actors.csproj Gateway.Actors/
COPY Gateway.Streams/Gateway.Streams.csproj Gateway.Streams/
COPY Gateway.Host/Gateway.Host.csproj Gateway.Host/
RUN dotnet restore Gateway.Host/Gateway.Host.csproj
COPY Gateway.Actors/ Gateway.Actors/
COPY Gateway.Streams/ Gateway.Streams/
COPY Gateway.Host/ Gateway.Host/
# The quick-start examples are the binary's embedded default (served when no --manifests is given).
COPY examples/quickstart/ examples/quickstart/
RUN dotnet publish Gateway.Host/Gateway.Host.csproj --configuration Release --no-restore --output /app /p:UseAppHost=false
# An empty status directory owned by the runtime user: a named volume mounted there (docker-compose) starts with this
# ownership, so the non-root process can write status files (the runtime image has no shell to mkdir/chown).
RUN mkdir -p /status && chown 1654:1654 /status

# ---- runtime: only the published output.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /app ./
COPY --from=build --chown=1654:1654 /status /var/lib/akka-gateway/status
# Listener sockets are bound on high container ports (--container-port-range); no capability is needed.
USER $APP_UID
# Akka.Management (health probes, cluster bootstrap) and Akka remoting.
EXPOSE 8558 4053
ENTRYPOINT ["dotnet", "Gateway.Host.dll"]
CMD ["--source", "kubernetes"]
