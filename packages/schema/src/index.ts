export * from './spec.js'
export { fragmentToHtml } from './html.js'
export { documentToMarkdown } from './markdown.js'
