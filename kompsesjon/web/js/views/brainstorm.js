// Brainstorm on the critique or vision board: write cards fast.
//
// The input keeps the focus after sending, so a person can write card after
// card. My cards (and my buzz pair's) are marked, and marked private while the
// board is not revealed; other people's cards appear once revealed and are
// announced to screen readers. On a vision board a red card can be raised
// against a killer phrase, anonymously.

import { limit, t, tn } from "../i18n.js";
import { fill, h, keyed, setText } from "../dom.js";
import { isMine, myPair } from "../queries.js";
import { boardName, names } from "../text.js";
import { dialog, frame, textForm } from "./common.js";

export default function brainstorm(ctx) {
  const state0 = ctx.state;
  const board = state0.agenda[state0.phase].board;
  const vision = state0.boards[board].spec.kind === "vision";
  const phase = state0.agenda[state0.phase];
  const pairInfo = h("p", { class: "pair-info" });
  const withPair = h("input", { type: "checkbox", id: "with-pair" });
  const pairBox = h("div", { class: "checkbox" }, withPair, h("label", { for: "with-pair", text: t("participant.brainstorm.with_pair") }));
  const { form, field } = textForm({
    id: "card-input", label: t("web.brainstorm.label"), max: limit("item"), button: t("web.brainstorm.add"),
    placeholder: t("web.brainstorm.placeholder"),
    onSend: (text) => ctx.send({ type: "add_item", board, text, with_pair: !pairBox.hidden && withPair.checked }),
  });
  form.insertBefore(pairBox, form.lastChild);
  const redInfo = h("p", { class: "red-info" });
  const redButton = h("button", { type: "button", class: "red", text: t("participant.keys.red_card") });
  redButton.addEventListener("click", () => raiseRedCard(ctx, null));
  const cardsTitle = h("h2", { id: "cards-title" });
  const cards = h("ul", { class: "cards", "aria-labelledby": "cards-title" });
  const empty = h("p", { class: "empty-list", text: t("participant.brainstorm.no_cards") });
  const { el, heading } = frame(state0,
    phase.prompt ? h("p", { class: "prompt", text: phase.prompt }) : null,
    h("p", { class: "rules", text: t(`participant.brainstorm.rules_${vision ? "vision" : "critique"}`) }),
    pairInfo,
    form,
    vision ? h("div", { class: "block" }, redInfo, redButton) : null,
    h("section", { class: "block", "aria-labelledby": "cards-title" }, cardsTitle, empty, cards));
  let seen = null; // ids of the cards shown, to tell which are new

  return {
    el,
    focus: () => field.focus(),
    update(state, me) {
      const pair = myPair(state, me);
      pairInfo.hidden = pair == null;
      pairBox.hidden = pair == null;
      if (pair) setText(pairInfo, `${t("participant.brainstorm.pair")} ${names(state, pair.members.filter((p) => p !== me))}`);
      else withPair.checked = false;
      const open = Object.values(state.red_cards).filter((r) => !r.dismissed);
      const redItems = new Set(open.map((r) => r.item).filter(Boolean));
      setText(redInfo, t("participant.brainstorm.red_info"));
      const items = Object.values(state.items).filter((i) => i.board === board && !i.withdrawn).reverse();
      const mine = items.filter((i) => i.author === me).length;
      let title = t("participant.brainstorm.cards", { board: boardName(state, board), n: items.length, mine });
      if (vision && open.length) title += ` · ■ ${tn("participant.brainstorm.red_open", open.length)}`;
      setText(cardsTitle, title);
      empty.hidden = items.length > 0;
      keyed(cards, items, (i) => i.id, () => h("li", { class: "card" }), (li, item) => {
        drawCard(ctx, li, state, me, item, redItems.has(item.id), vision);
      });
      // Tell screen readers about cards that others wrote, as they arrive.
      const ids = new Set(items.map((i) => i.id));
      if (seen) {
        const fresh = items.filter((i) => !seen.has(i.id) && !isMine(state, me, i));
        if (fresh.length === 1) ctx.announce(t("web.brainstorm.new_card", { text: fresh[0].text }));
        else if (fresh.length > 1) ctx.announce(t("web.brainstorm.new_cards", { n: fresh.length }));
      }
      seen = ids;
    },
  };
}

function drawCard(ctx, li, state, me, item, red, vision) {
  const tags = [];
  if (isMine(state, me, item)) tags.push(item.pair ? t("participant.brainstorm.ours") : t("participant.brainstorm.mine"));
  if (item.private) tags.push(t("participant.brainstorm.private"));
  if (red) tags.push(`■ ${t("participant.brainstorm.red_tag")}`);
  const buttons = [];
  if (isMine(state, me, item)) {
    buttons.push(h("button", { type: "button", text: t("participant.keys.edit_card"), "aria-label": t("web.card.edit", { text: item.text }), on: { click: () => editCard(ctx, item) } }));
    buttons.push(h("button", { type: "button", text: t("participant.keys.withdraw_card"), "aria-label": t("web.card.withdraw", { text: item.text }), on: { click: () => withdrawCard(ctx, item) } }));
  }
  if (vision) {
    buttons.push(h("button", { type: "button", class: "red", text: t("web.card.red"), "aria-label": t("web.card.red_on", { text: item.text }), on: { click: () => raiseRedCard(ctx, item) } }));
  }
  // Redraw only what changed: a button that keeps the focus must stay.
  const key = JSON.stringify([item.text, tags, buttons.length]);
  if (li.dataset.drawn === key) return;
  li.dataset.drawn = key;
  li.classList.toggle("mine", isMine(state, me, item));
  li.classList.toggle("has-red", red);
  fill(li,
    h("span", { class: "card-id", text: item.id }),
    h("span", { class: "card-text", text: item.text }),
    tags.length ? h("span", { class: "tags" }, tags.map((tag) => h("span", { class: "tag", text: tag }))) : null,
    buttons.length ? h("span", { class: "card-actions" }, buttons) : null);
}

function editCard(ctx, item) {
  const input = h("input", { type: "text", id: "edit-card-text", value: item.text, maxlength: limit("item") });
  const cancel = h("button", { type: "button", text: t("participant.modal.cancel") });
  const form = h("form", {},
    h("label", { for: "edit-card-text", text: t("web.card.text") }), input,
    h("div", { class: "buttons" }, cancel, h("button", { type: "submit", class: "primary", text: t("participant.modal.save") })));
  const box = dialog(t("participant.brainstorm.edit_title", { item: item.id }), form, []);
  cancel.addEventListener("click", () => box.close());
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    box.close();
    if (text && text !== item.text) ctx.send({ type: "edit_item", item: item.id, text });
  });
  input.focus();
  input.select();
}

function withdrawCard(ctx, item) {
  const yes = h("button", { type: "button", class: "primary", text: t("participant.modal.yes") });
  const no = h("button", { type: "button", text: t("participant.modal.no") });
  const box = dialog(t("participant.brainstorm.withdraw_title", { item: item.id }), h("p", { class: "quote", text: item.text }), [no, yes]);
  no.addEventListener("click", () => box.close());
  yes.addEventListener("click", () => {
    box.close();
    ctx.send({ type: "withdraw_item", item: item.id });
  });
  no.focus();
}

function raiseRedCard(ctx, item) {
  const note = h("input", { type: "text", id: "red-note", maxlength: limit("red_card") });
  const raise = h("button", { type: "button", class: "primary red", text: t("participant.red.raise") });
  const cancel = h("button", { type: "button", text: t("participant.modal.cancel") });
  const body = h("div", {},
    h("p", { class: item ? "quote" : "", text: item ? item.text : t("participant.red.general") }),
    h("p", { text: t("participant.red.anonymous") }),
    h("label", { for: "red-note", text: t("participant.red.placeholder") }),
    note);
  const box = dialog(t("participant.red.title"), body, [cancel, raise]);
  cancel.addEventListener("click", () => box.close());
  const send = () => {
    box.close();
    const command = { type: "raise_red_card", note: note.value.trim() };
    if (item) command.item = item.id;
    ctx.send(command);
  };
  raise.addEventListener("click", send);
  note.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      send();
    }
  });
  note.focus();
}
