export { PostgresTransport, type PostgresTransportOptions } from './postgres-transport';
export { transportDdl } from './sql';
export { compileTopic, topicMatches } from './topic-matcher';
