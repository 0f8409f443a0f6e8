export { InstanceProxy, matchInstancePath } from './instance-proxy.js';
export { stripHopByHop, withoutCookie } from './hop-by-hop.js';
