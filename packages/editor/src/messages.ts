/**
 * Every word the editor shows or gives to a screen reader, by language.
 * English and Turkish ship; a page may pass its own table, and whatever it
 * leaves out is taken from English. `{name}` in a message is filled in when
 * it is shown.
 */
export interface Messages {
  /** The toolbar's accessible name. */
  toolbar: string
  bold: string
  italic: string
  strikethrough: string
  inlineCode: string
  link: string
  /** `{level}`: 1, 2 or 3. */
  heading: string
  bulletList: string
  orderedList: string
  blockquote: string
  codeBlock: string
  divider: string
  undo: string
  redo: string
  /** The buttons that scroll a toolbar too wide for its editor. */
  scrollToolbarBack: string
  scrollToolbarForward: string
  linkPlaceholder: string
  linkAddress: string
  linkApply: string
  linkRemove: string
  linkInvalid: string
  connecting: string
  online: string
  offline: string
  /** `{reason}`: the server's reason, or `noReasonGiven`. */
  refused: string
  noReasonGiven: string
  saved: string
  saving: string
  /** `{count}` is 1. */
  unsavedChange: string
  /** `{count}` is not 1. */
  unsavedChanges: string
  /** `{content}`: what the document holds that the editor cannot show, e.g. `mark "bold"`. */
  unshownContent: string
  /** The note shown when the token only lets this user read. */
  readOnlyAccess: string
  /** `{name}`: this editor's own user in the people list. */
  you: string
  /** `{number}`: a collaborator who gave no name. */
  guest: string
  /** `{count}` is 1. */
  personInDocument: string
  /** `{count}` is not 1. */
  peopleInDocument: string
  /** `{room}`: the editing area's accessible name. */
  documentLabel: string
  /** Shown in an empty document. */
  placeholder: string
  /** The toolbar button that opens the version history, and the panel's name. */
  history: string
  saveVersion: string
  /** The field "Save version…" asks the name in. */
  versionName: string
  saveVersionApply: string
  closeHistory: string
  olderVersions: string
  loadingVersions: string
  noVersions: string
  /** A version kept by the server without a name. */
  automaticVersion: string
  /** A version that lists nobody's changes. */
  noAuthors: string
  /** `{name}`: an author's name that no token vouches for. */
  unverifiedAuthor: string
  /** The legend entry of deletions a version with several authors cannot attribute. */
  deletedByUnknown: string
  changesSince: string
  restoreVersion: string
  restoring: string
  restored: string
  /** `{reason}`: what the server or the network said. */
  historyFailed: string
  /** Why a version was not saved: changes made here have not reached the server. */
  notStoredYet: string
  /** A restore whose change is in the document (and can be undone) but has not reached the server to be recorded. */
  restoreNotRecorded: string
  // Tables, pictures and task lists (tables.ts, images.ts, image-upload.ts, task-items.ts).
  /** the toolbar button opening the table menu. */
  table: string
  tableActions: string
  insertTable: string
  addRowBefore: string
  addRowAfter: string
  addColumnBefore: string
  addColumnAfter: string
  deleteRow: string
  deleteColumn: string
  mergeCells: string
  splitCell: string
  toggleHeaderRow: string
  deleteTable: string
  insertImage: string
  imageDescription: string
  imageDescriptionPrompt: string
  imageUploading: string
  imageWaiting: string
  /** followed by the reason. */
  imageNotUploaded: string
  retryUpload: string
  removeUpload: string
  uploadHadNoAddress: string
  taskList: string
  markDone: string
  markNotDone: string
}

export const english: Messages = {
  toolbar: 'Formatting',
  bold: 'Bold',
  italic: 'Italic',
  strikethrough: 'Strikethrough',
  inlineCode: 'Inline code',
  link: 'Link',
  heading: 'Heading {level}',
  bulletList: 'Bulleted list',
  orderedList: 'Numbered list',
  blockquote: 'Quote',
  codeBlock: 'Code block',
  divider: 'Divider',
  undo: 'Undo your last change',
  redo: 'Redo',
  scrollToolbarBack: 'Show earlier buttons',
  scrollToolbarForward: 'Show more buttons',
  linkPlaceholder: 'Paste or type a link',
  linkAddress: 'Link address',
  linkApply: 'Apply',
  linkRemove: 'Remove',
  linkInvalid: 'Links must start with http://, https://, mailto: or tel:',
  connecting: 'Connecting…',
  online: 'Online',
  offline: 'Offline',
  refused: 'Refused: {reason}',
  noReasonGiven: 'no reason given',
  saved: 'Saved',
  saving: 'Saving…',
  unsavedChange: '{count} unsaved change',
  unsavedChanges: '{count} unsaved changes',
  unshownContent: 'Read-only: this document holds content this editor cannot show ({content}); editing it here would delete that.',
  readOnlyAccess: 'Read-only: your access to this document lets you read it, not change it.',
  you: '{name} (you)',
  guest: 'Guest {number}',
  personInDocument: '{count} person in this document',
  peopleInDocument: '{count} people in this document',
  documentLabel: 'Document {room}',
  placeholder: 'Start writing…',
  history: 'History',
  saveVersion: 'Save version…',
  versionName: 'Version name',
  saveVersionApply: 'Save',
  closeHistory: 'Close',
  olderVersions: 'Show older versions',
  loadingVersions: 'Loading…',
  noVersions: 'No versions yet: the server keeps one after each pause in editing.',
  automaticVersion: 'Automatic version',
  noAuthors: 'no changes by anyone named',
  unverifiedAuthor: '{name} (unverified)',
  deletedByUnknown: 'Deleted (author unknown)',
  changesSince: 'Changes since the version before, in the colour of who made them.',
  restoreVersion: 'Restore this version',
  restoring: 'Restoring…',
  restored: 'Restored for everyone. Undo takes it back.',
  historyFailed: 'History: {reason}',
  notStoredYet: 'your latest changes have not reached the server yet; try again once it says Saved',
  restoreNotRecorded: 'the version is restored here, but it has not reached the server yet, so it is not recorded as a version',
  table: 'Table',
  tableActions: 'Table actions',
  insertTable: 'Insert table (3 × 3)',
  addRowBefore: 'Add row above',
  addRowAfter: 'Add row below',
  addColumnBefore: 'Add column left',
  addColumnAfter: 'Add column right',
  deleteRow: 'Delete row',
  deleteColumn: 'Delete column',
  mergeCells: 'Merge cells',
  splitCell: 'Split cell',
  toggleHeaderRow: 'Header row on/off',
  deleteTable: 'Delete table',
  insertImage: 'Insert image',
  imageDescription: 'Image description',
  imageDescriptionPrompt: 'Describe the picture for people who cannot see it:',
  imageUploading: 'Uploading image…',
  imageWaiting: 'Offline: the image uploads when the connection is back',
  imageNotUploaded: 'Image not uploaded:',
  retryUpload: 'Retry',
  removeUpload: 'Remove',
  uploadHadNoAddress: 'the server’s answer held no address for the file',
  taskList: 'Task list',
  markDone: 'Mark as done',
  markNotDone: 'Mark as not done',
}

export const turkish: Messages = {
  toolbar: 'Biçimlendirme',
  bold: 'Kalın',
  italic: 'İtalik',
  strikethrough: 'Üstü çizili',
  inlineCode: 'Satır içi kod',
  link: 'Bağlantı',
  heading: 'Başlık {level}',
  bulletList: 'Madde işaretli liste',
  orderedList: 'Numaralı liste',
  blockquote: 'Alıntı',
  codeBlock: 'Kod bloğu',
  divider: 'Ayırıcı çizgi',
  undo: 'Son değişikliğinizi geri alın',
  redo: 'Yinele',
  scrollToolbarBack: 'Önceki düğmeleri göster',
  scrollToolbarForward: 'Diğer düğmeleri göster',
  linkPlaceholder: 'Bir bağlantı yapıştırın ya da yazın',
  linkAddress: 'Bağlantı adresi',
  linkApply: 'Uygula',
  linkRemove: 'Kaldır',
  linkInvalid: 'Bağlantılar http://, https://, mailto: ya da tel: ile başlamalı',
  connecting: 'Bağlanıyor…',
  online: 'Çevrimiçi',
  offline: 'Çevrimdışı',
  refused: 'Reddedildi: {reason}',
  noReasonGiven: 'neden belirtilmedi',
  saved: 'Kaydedildi',
  saving: 'Kaydediliyor…',
  unsavedChange: '{count} kaydedilmemiş değişiklik',
  unsavedChanges: '{count} kaydedilmemiş değişiklik',
  unshownContent: 'Salt okunur: bu belgede bu düzenleyicinin gösteremediği içerik var ({content}); burada düzenlemek onu silerdi.',
  readOnlyAccess: 'Salt okunur: bu belgeye erişiminiz onu okumanıza izin veriyor, değiştirmenize değil.',
  you: '{name} (siz)',
  guest: 'Misafir {number}',
  personInDocument: 'Bu belgede {count} kişi',
  peopleInDocument: 'Bu belgede {count} kişi',
  documentLabel: 'Belge {room}',
  placeholder: 'Yazmaya başlayın…',
  history: 'Geçmiş',
  saveVersion: 'Sürümü kaydet…',
  versionName: 'Sürüm adı',
  saveVersionApply: 'Kaydet',
  closeHistory: 'Kapat',
  olderVersions: 'Daha eski sürümleri göster',
  loadingVersions: 'Yükleniyor…',
  noVersions: 'Henüz sürüm yok: sunucu düzenlemedeki her aradan sonra bir sürüm saklar.',
  automaticVersion: 'Otomatik sürüm',
  noAuthors: 'adı bilinen kimsenin değişikliği yok',
  unverifiedAuthor: '{name} (doğrulanmamış)',
  deletedByUnknown: 'Silinen (yazarı bilinmiyor)',
  changesSince: 'Önceki sürümden bu yana değişiklikler, yapanın renginde.',
  restoreVersion: 'Bu sürümü geri yükle',
  restoring: 'Geri yükleniyor…',
  restored: 'Herkes için geri yüklendi. Geri al ile geri alabilirsiniz.',
  historyFailed: 'Geçmiş: {reason}',
  notStoredYet: 'son değişiklikleriniz henüz sunucuya ulaşmadı; Kaydedildi yazınca yeniden deneyin',
  restoreNotRecorded: 'sürüm burada geri yüklendi, ama henüz sunucuya ulaşmadığı için sürüm olarak kaydedilmedi',
  table: 'Tablo',
  tableActions: 'Tablo işlemleri',
  insertTable: 'Tablo ekle (3 × 3)',
  addRowBefore: 'Üste satır ekle',
  addRowAfter: 'Alta satır ekle',
  addColumnBefore: 'Sola sütun ekle',
  addColumnAfter: 'Sağa sütun ekle',
  deleteRow: 'Satırı sil',
  deleteColumn: 'Sütunu sil',
  mergeCells: 'Hücreleri birleştir',
  splitCell: 'Hücreyi böl',
  toggleHeaderRow: 'Başlık satırı aç/kapat',
  deleteTable: 'Tabloyu sil',
  insertImage: 'Resim ekle',
  imageDescription: 'Resim açıklaması',
  imageDescriptionPrompt: 'Resmi göremeyenler için anlatın:',
  imageUploading: 'Resim yükleniyor…',
  imageWaiting: 'Çevrimdışı: bağlantı gelince resim yüklenecek',
  imageNotUploaded: 'Resim yüklenmedi:',
  retryUpload: 'Yeniden dene',
  removeUpload: 'Kaldır',
  uploadHadNoAddress: 'sunucunun yanıtında dosyanın adresi yoktu',
  taskList: 'Görev listesi',
  markDone: 'Yapıldı olarak işaretle',
  markNotDone: 'Yapılmadı olarak işaretle',
}

const shipped: Record<string, Messages> = { en: english, tr: turkish }

/** The languages that ship, by their primary language subtag. */
export const shippedLanguages = Object.keys(shipped)

/**
 * The table for `lang` (a BCP 47 tag; `tr-TR` reads as `tr`; a language that
 * does not ship reads as English) with the page's own `messages` on top.
 */
export function messagesFor(lang: string | undefined, messages: Partial<Messages> = {}): Messages {
  const primary = (lang ?? 'en').toLowerCase().split('-')[0]!
  const base = shipped[primary] ?? english
  for (const [key, value] of Object.entries(messages)) {
    if (!(key in english)) throw new RangeError(`messages has no message named ${JSON.stringify(key)}`)
    if (typeof value !== 'string') throw new RangeError(`messages.${key} must be a string, got ${JSON.stringify(value)}`)
  }
  return { ...english, ...base, ...messages }
}

/** The language the editor's words are in: `lang` when it ships or the page gave its own words, else English. */
export function languageShown(lang: string | undefined, messages: Partial<Messages> | undefined): string {
  if (lang === undefined) return 'en'
  const primary = lang.toLowerCase().split('-')[0]!
  return primary in shipped || (messages !== undefined && Object.keys(messages).length > 0) ? lang : 'en'
}

/** `template` with each `{name}` replaced by `values[name]`. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole))
}
