export { InstanceProxy, matchInstancePath, matchDevPath, isBrowserNavigation, SANDBOX_POLICY, PROXY_METHODS, type ProxyVia } from './instance-proxy.js';
