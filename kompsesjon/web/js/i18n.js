// The page's strings: the apps' own catalogue (kompsesjon/i18n/*/*.toml),
// served by the server as /i18n/<lang>.json with the limits of what people
// type (kompsesjon/method/text.py), so that a field takes no more than the
// server accepts. Placeholders are the Python str.format names:
// "{n} prikker igjen".

export const LANGUAGES = ["nb", "sv", "en"];
let strings = {};
let limits = {};
let current = "nb";

export async function load(lang) {
  if (!LANGUAGES.includes(lang)) lang = "nb";
  const response = await fetch(`/i18n/${lang}.json`, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`strings for ${lang}: ${response.status}`);
  ({ strings, limits } = await response.json());
  current = lang;
  document.documentElement.lang = lang;
  return lang;
}

export function language() {
  return current;
}

export function has(key) {
  return Object.prototype.hasOwnProperty.call(strings, key);
}

function format(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (values && name in values ? String(values[name]) : whole));
}

/** t("participant.vote.left", {n: 3, budget: 5}) → "3 av 5 prikker igjen". */
export function t(key, values) {
  const text = strings[key];
  return text == null ? key : format(text, values);
}

/** The most characters a field of this kind takes: limit("item") → 280. */
export function limit(kind) {
  return limits[kind];
}

/** t with a count: uses "<key>_one" for exactly one, where there is one. */
export function tn(key, n, values = {}) {
  if (n === 1 && has(`${key}_one`)) return t(`${key}_one`, { n, ...values });
  return t(key, { n, ...values });
}

/** A rejection in the user's language, or the server's English message. */
export function rejection(code, message, details) {
  const key = `reject.${code}`;
  if (!has(key)) return message;
  const text = strings[key];
  const missing = [...text.matchAll(/\{(\w+)\}/g)].some(([, name]) => !(details && name in details));
  return missing ? message : format(text, details);
}

/** The language a browser asks for, among ours (Bokmål when none fits). */
export function fromBrowser(languages) {
  for (const tag of languages || []) {
    const code = tag.toLowerCase().split(/[-_]/)[0];
    if (["nb", "no", "nn"].includes(code)) return "nb";
    if (code === "sv") return "sv";
    if (code === "en") return "en";
  }
  return "nb";
}
