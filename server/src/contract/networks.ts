// GET /console/api/networks: the engine's networks, for the project settings' picker.
export interface DockerNetwork {
  name: string;
  driver: string;
  /** containers attached now */
  containers: number;
}
export interface NetworksResponse {
  networks: DockerNetwork[];
}
