export { InstanceProxy, matchInstancePath } from './instance-proxy.js';
export { rawWithoutHopByHop, withoutCookie } from './hop-by-hop.js';
export { isBrowserNavigation, SANDBOX_POLICY } from './instance-proxy.js';
