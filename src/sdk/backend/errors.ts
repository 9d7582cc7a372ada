// Trigger.dev's ApiError and its per-status classes: the client's errors under those names (the SDK's calls throw them).
export {
  EngineApiError as ApiError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  UnprocessableEntityError,
  RateLimitError,
  InternalServerError,
} from '../../client/errors';
