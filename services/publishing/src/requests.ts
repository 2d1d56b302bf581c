/** The queue of the gateway's questions to publishing (presets, credentials, targets), answered at once over request/reply. */
export const REQUESTS_QUEUE = 'publishing.requests';
