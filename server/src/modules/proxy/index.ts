export { InstanceProxy, matchInstancePath } from './instance-proxy.js';
export { isBrowserNavigation, SANDBOX_POLICY } from './instance-proxy.js';
