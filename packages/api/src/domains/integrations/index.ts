// The integrations domain's public surface: other domains import these from here, never its other files.
export { type IntegrationCredentials, integrationCredentials, integrationExists } from "./credentials";
