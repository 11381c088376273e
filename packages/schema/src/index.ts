export { schema, documentFragmentName, headingLevels, isSafeHref, isSafeImageSrc } from './schema.js'
export {
  describeForeignValue, describeUnknownAttribute, describeUnknownMark, describeUnknownNode, findUnknownAttributes,
  findUnknownContent, markNameOf,
} from './unknown-content.js'
export { fragmentToHtml } from './html.js'
export { documentToMarkdown } from './markdown.js'
