export * from './leap-error';
