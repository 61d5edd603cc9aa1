export { API_VERSION, createGateway, type CreateGatewayOptions, type Gateway } from './create-gateway';
export { GATEWAY_LOGGER, REDACTED_PATHS } from './logging/gateway-logger';
export { PROBLEM_CONTENT_TYPE, type ProblemBody } from './http/http-problem';
