// The in-process API server is test infrastructure shared with bench/ (Gateway.Emulators).
global using Gateway.Emulators.Kubernetes;
