export { InstanceProxy, matchInstancePath, matchDevPath, isBrowserNavigation, SANDBOX_POLICY, PROXY_METHODS, type ProxyVia } from './instance-proxy.js';
export { RequestLog, REQUESTS_KEPT_PER_RUN, BODY_BYTES_KEPT } from './request-log.js';
