# syntax=docker/dockerfile:1
# The gateway image: build with the .NET SDK, run on the chiseled ASP.NET runtime (no shell, no package manager,
# non-root "app" user, UID 1654). Build: docker build --build-arg VERSION=1.2.3 -t akka-gateway:1.2.3 .
# VERSION is stamped into the binary (Gateway.Host --version, /cluster/members); without it the image reports 0.0.0-dev.

# ---- build: restore exactly the locked packages (cached on the project and lock files), then publish Gateway.Host
# framework-dependent.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG VERSION=0.0.0-dev
WORKDIR /src
COPY NuGet.config global.json .editorconfig Directory.Build.props Directory.Packages.props ./
COPY Gateway.Actors/Gateway.Actors.csproj Gateway.Actors/packages.lock.json Gateway.Actors/
COPY Gateway.Streams/Gateway.Streams.csproj Gateway.Streams/packages.lock.json Gateway.Streams/
COPY Gateway.Host/Gateway.Host.csproj Gateway.Host/packages.lock.json Gateway.Host/
# The build step that marks the start-up profile's methods in the published output (Gateway.StartupProfile/README.md).
COPY Gateway.StartupProfile/Gateway.StartupProfile.csproj Gateway.StartupProfile/packages.lock.json Gateway.StartupProfile/StartupProfile.targets Gateway.StartupProfile/
RUN dotnet restore Gateway.Host/Gateway.Host.csproj --locked-mode
COPY Gateway.Actors/ Gateway.Actors/
COPY Gateway.Streams/ Gateway.Streams/
COPY Gateway.Host/ Gateway.Host/
COPY Gateway.StartupProfile/ Gateway.StartupProfile/
# The quick-start examples are the binary's embedded default (served when no --manifests is given).
COPY examples/quickstart/ examples/quickstart/
RUN dotnet publish Gateway.Host/Gateway.Host.csproj --configuration Release --no-restore --output /app /p:UseAppHost=false "/p:Version=$VERSION"
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
