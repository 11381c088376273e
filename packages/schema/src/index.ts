export { schema, documentFragmentName, headingLevels, isSafeHref } from './schema.js'
export {
  describeForeignValue, describeUnknownAttribute, describeUnknownMark, describeUnknownNode, findUnknownAttributes,
  findUnknownContent, markNameOf,
} from './unknown-content.js'
export { documentToMarkdown } from './markdown.js'
