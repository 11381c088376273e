/** Toolbar icons: 24×24 strokes in the text colour, drawn for Ortak. */
const icon = (body: string) =>
  `<svg viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${body}</svg>`

// An H and the level beside it: as a picture, since the text "H1" would not be the button's name ("Heading 1").
const headingIcon = (digit: string) => icon(`<path d="M4 6v12M12 6v12M4 12h8"/><path d="${digit}" stroke-width="1.8"/>`)

export const icons = {
  heading1: headingIcon('M16.5 10.5 19 9v9'),
  heading2: headingIcon('M16 11a2 2 0 0 1 4 0c0 2.5-4 3.5-4 7h4'),
  heading3: headingIcon('M16 9.5h4l-2.4 3.2a2.6 2.6 0 1 1-1.8 4.6'),
  link: icon('<path d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1"/><path d="M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1"/>'),
  code: icon('<path d="M8 7l-5 5 5 5M16 7l5 5-5 5"/>'),
  bulletList: icon('<path d="M9 6h11M9 12h11M9 18h11"/><circle cx="4.5" cy="6" r="1"/><circle cx="4.5" cy="12" r="1"/><circle cx="4.5" cy="18" r="1"/>'),
  orderedList: icon('<path d="M10 6h10M10 12h10M10 18h10M4 4.5h1.5V9M4 9h3M4 14.5c0-.8.7-1.5 1.5-1.5s1.5.6 1.5 1.4c0 1.4-3 2.2-3 4.1h3"/>'),
  blockquote: icon('<path d="M6 7h4v4c0 3-1.4 5-4 6M14 7h4v4c0 3-1.4 5-4 6"/>'),
  codeBlock: icon('<rect x="3" y="4" width="18" height="16" rx="2"/><path d="M10 10l-2 2 2 2M14 10l2 2-2 2"/>'),
  horizontalRule: icon('<path d="M3 12h18"/>'),
  undo: icon('<path d="M9 14L4 9l5-5"/><path d="M4 9h10.5a5.5 5.5 0 0 1 0 11H11"/>'),
  // A clock face with an arrow turning back round it.
  history: icon('<path d="M3 12a9 9 0 1 0 3-6.7L3 8"/><path d="M3 3v5h5M12 7v5l3 2"/>'),
  redo: icon('<path d="M15 14l5-5-5-5"/><path d="M20 9H9.5a5.5 5.5 0 0 0 0 11H13"/>'),
}
