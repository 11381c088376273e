export { schema, documentFragmentName, headingLevels, isSafeHref } from './schema.js'
