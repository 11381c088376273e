/**
 * A toolbar wider than its editor (a phone) scrolls sideways. So that the
 * buttons out of view are not a secret, the edge they hide behind fades out
 * and shows an arrow button that scrolls them in; arrow keys inside the
 * toolbar bring a focused button into view by themselves.
 */
import type { Messages } from './messages.js'

const chevron = (path: string) =>
  `<svg viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="${path}"/></svg>`

export class ToolbarOverflow {
  private readonly back: HTMLButtonElement
  private readonly forward: HTMLButtonElement
  private readonly resizes: ResizeObserver

  /** `frame` holds `toolbar`, the element that scrolls; the arrows are added to the frame, outside the toolbar. */
  constructor(private readonly frame: HTMLElement, private readonly toolbar: HTMLElement, messages: Messages) {
    this.back = this.arrow('back', messages.scrollToolbarBack, chevron('M15 5l-7 7 7 7'))
    this.forward = this.arrow('forward', messages.scrollToolbarForward, chevron('M9 5l7 7-7 7'))
    frame.prepend(this.back)
    frame.append(this.forward)
    toolbar.addEventListener('scroll', this.update, { passive: true })
    this.resizes = new ResizeObserver(this.update)
    this.resizes.observe(toolbar)
    this.update()
  }

  private arrow(direction: 'back' | 'forward', label: string, icon: string): HTMLButtonElement {
    const button = this.frame.ownerDocument.createElement('button')
    button.type = 'button'
    button.className = 'ortak-toolbar-scroll'
    button.dataset.direction = direction
    button.innerHTML = icon
    button.setAttribute('aria-label', label)
    button.title = label
    // Keyboards already reach every button with the arrow keys; these are for fingers and pointers.
    button.tabIndex = -1
    button.hidden = true
    button.addEventListener('mousedown', (event) => event.preventDefault())
    button.addEventListener('click', () => {
      const page = this.toolbar.clientWidth * 0.75
      this.toolbar.scrollBy({ left: direction === 'back' ? -page : page, behavior: 'smooth' })
    })
    return button
  }

  private readonly update = () => {
    const { scrollLeft, scrollWidth, clientWidth } = this.toolbar
    const hasMoreBefore = scrollLeft > 1
    const hasMoreAfter = scrollLeft + clientWidth < scrollWidth - 1
    this.back.hidden = !hasMoreBefore
    this.forward.hidden = !hasMoreAfter
    this.frame.dataset.overflow = [hasMoreBefore ? 'start' : '', hasMoreAfter ? 'end' : ''].join(' ').trim()
  }

  destroy(): void {
    this.toolbar.removeEventListener('scroll', this.update)
    this.resizes.disconnect()
    this.back.remove()
    this.forward.remove()
  }
}
