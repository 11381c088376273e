/**
 * `@ortak/schema/spec`: the schema and what in a stored fragment it does
 * not know, without the HTML and Markdown writers of the package's main
 * entry. For code that must load little: the server's update guard reads
 * this at start-up, and the writers would bring prosemirror-markdown and
 * markdown-it with them.
 */
export { schema, documentFragmentName, headingLevels, isSafeHref, isSafeImageSrc } from './schema.js'
export {
  describeForeignValue, describeUnknownAttribute, describeUnknownMark, describeUnknownNode, findUnknownAttributes,
  findUnknownContent, markNameOf,
} from './unknown-content.js'
