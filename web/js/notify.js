// notify.js: desktop notifications while the tab is hidden, for mentions,
// reminders, and direct and group messages, honouring the per-conversation
// preference: 'all' notifies both, 'mentions' only mentions, 'muted' only
// the direct @handle mentions the server still sends. Notification text is
// plain text (the Notification API never renders markup). A click brings
// the tab forward and shows the message in context.

const BODY_MAX = 160;

export class Notifier {
  // showMessage(m): open the message in its conversation.
  constructor(store, session, showMessage) {
    this.store = store;
    this.showMessage = showMessage;
    this.shown = new Set(); // what was notified: 'm<id>' (messages), 'r<id>' (reminders)
    this.unlisten = session.listen((event, d) => this.onEvent(event, d));
  }

  destroy() {
    this.unlisten();
  }

  static supported() {
    return typeof window.Notification === 'function';
  }

  static permission() {
    return Notifier.supported() ? window.Notification.permission : 'denied';
  }

  // Ask for permission (from a click: browsers require a user gesture).
  static async request() {
    if (!Notifier.supported()) return 'denied';
    return window.Notification.requestPermission();
  }

  onEvent(event, d) {
    const m = d && d.message;
    if (!m || !['mention', 'message.new', 'reminder'].includes(event)) return;
    const { store } = this;
    if (document.visibilityState !== 'hidden' || Notifier.permission() !== 'granted') return;
    const c = store.convs.get(m.conv);
    if (event === 'reminder') {
      this.show(m, c, 'reminder');
      return;
    }
    if (!store.me || m.author === store.me.id || m.system) return;
    const notify = store.readOf(m.conv).notify || 'all';
    if (event === 'message.new') {
      const direct = c && (c.kind === 'dm' || c.kind === 'group');
      if (!direct || notify !== 'all') return;
    }
    this.show(m, c, event === 'mention' ? 'mention' : 'message');
  }

  // kind: 'mention', 'message' or 'reminder'.
  show(m, c, kind) {
    const key = `${kind === 'reminder' ? 'r' : 'm'}${m.id}`;
    if (this.shown.has(key)) return;
    this.shown.add(key);
    const { store } = this;
    const where = c && c.kind === 'channel' ? ` in #${c.name}` : '';
    const name = store.userName(m.author);
    const title = kind === 'reminder' ? `Reminder: ${name}${where}`
      : kind === 'mention' ? `${name} mentioned you${where}` : `${name}${where}`;
    const text = m.body.length > BODY_MAX ? `${m.body.slice(0, BODY_MAX)}…` : m.body;
    const n = new window.Notification(title, { body: text, tag: `tandem-${key}` });
    n.onclick = () => {
      window.focus();
      this.showMessage(m);
      n.close();
    };
  }
}
