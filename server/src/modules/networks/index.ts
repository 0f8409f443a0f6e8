export { ContainerNetworking, type ContainerReach } from './container-networking.js';
export { createNetworksRouter } from './networks-router.js';
