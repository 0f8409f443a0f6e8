export { InstanceProxy, matchInstancePath, isBrowserNavigation, SANDBOX_POLICY, PROXY_METHODS } from './instance-proxy.js';
