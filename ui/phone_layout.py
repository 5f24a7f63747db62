"""Layout that works on a phone (390 px wide) as on a desktop, and the chat's scrolling.

Kept apart from ``ui/app.py``'s main style sheet: these rules only change what narrow screens
and a growing conversation do.
"""

from __future__ import annotations

# Below 640 px the header's title, subtitle and language switch share the width: the title
# must not be squeezed into a one-character column by the switch's minimum width.
PHONE_CSS = """
@media (max-width: 640px) {
  .gradio-container { padding: 6px 8px !important; }
  #rq-header { flex-wrap: wrap !important; gap: 2px 8px !important; align-items: center; }
  #rq-header > :first-child { flex: 1 1 0 !important; min-width: 0 !important; }
  #rq-header > .form { flex: 0 0 auto !important; min-width: 0 !important; border: none; background: none;
    box-shadow: none; }
  #rq-header #rq-lang { flex: 0 0 auto !important; width: max-content; min-width: 0 !important;
    overflow: visible !important; padding: 0 !important; border: none; background: none; box-shadow: none; }
  #rq-lang .wrap { flex-wrap: nowrap !important; gap: 4px !important; }
  #rq-lang .block-title, #rq-lang > span, #rq-lang [data-testid="block-info"] { display: none !important; }
  #rq-lang label { padding: 2px 8px !important; font-size: .8rem; }
  .rq-title h1 { font-size: 1.1rem; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  .rq-title p { font-size: .78rem; line-height: 1.35; display: -webkit-box; -webkit-line-clamp: 2;
    -webkit-box-orient: vertical; overflow: hidden; }
  #rq-chat { min-height: 240px; padding: 8px; }
  .rq-a { max-width: 100%; padding: 8px 10px; }
  .rq-bubble { max-width: 92%; }
}
"""

# Scrolling of the chat (appended to the chat component's js_on_load; ``element`` is the
# component). A new turn (a question typed or an example tapped) is brought into view on the
# page, which on a phone is below the examples the user just tapped. While an answer streams in,
# the chat follows its end, unless the user has scrolled up to read: then it stays put until
# they scroll back to the end or ask again.
CHAT_SCROLL_JS = """
const scroller = () => {
  for (let node = element; node && node !== document.body; node = node.parentElement) {
    const style = getComputedStyle(node);
    if (/(auto|scroll)/.test(style.overflowY) && node.scrollHeight > node.clientHeight + 1) return node;
  }
  return null;
};
const NEAR_END = 48;
let follow = true;
let turns = element.querySelectorAll('.rq-turn').length;
let ours = 0;
const atEnd = (box) => box.scrollHeight - box.scrollTop - box.clientHeight <= NEAR_END;
// The scrolling box is an ancestor of ``element`` (scroll events do not bubble): listen on the
// document while capturing and keep the events of that box.
document.addEventListener('scroll', (event) => {
  if (Date.now() < ours || event.target !== scroller()) return;
  follow = atEnd(event.target);
}, true);
const toEnd = (box) => { ours = Date.now() + 250; box.scrollTop = box.scrollHeight; };
const update = () => {
  const all = element.querySelectorAll('.rq-turn');
  const box = scroller();
  if (all.length > turns) {
    follow = true;
    if (box) toEnd(box);
    const newest = all[all.length - 1];
    const rect = newest.getBoundingClientRect();
    if (rect.top < 0 || rect.top > window.innerHeight * 0.6) {
      newest.scrollIntoView({block: 'start', behavior: 'smooth'});
    }
  } else if (follow && box) {
    toEnd(box);
  }
  turns = all.length;
  element.dataset.follow = follow ? '1' : '0';
};
watch('value', () => requestAnimationFrame(update));
"""
