/**
 * Webhook bodies for chat tools: a Slack incoming-webhook message (text plus
 * Block Kit blocks), a Microsoft Teams connector MessageCard, and an Adaptive
 * Card wrapped in a `message` for Teams Workflows webhooks (the replacement for
 * Office 365 connectors). The generic webhook posts the ECS alert itself.
 */
import type { Alert, Severity } from '../alerts/alert.js';
import { alertFacts, cut, evidenceLines, oneLine, summaryLine } from './render.js';

/** Slack section text is limited to 3000 characters; stay below it. */
export const SLACK_TEXT_MAX = 2900;
/** Evidence rows shown in chat cards (the rest is in the ECS alert). */
export const CHAT_EVIDENCE_ROWS = 12;
/**
 * Longest evidence value and sentence in a chat card. Teams refuses a message
 * over about 28 KB (413) and Slack a section over 3000 characters; with these
 * caps a card stays near 10 KB whatever an attacker put in a DNS name or a
 * user agent.
 */
export const CHAT_VALUE_MAX = 500;
export const CHAT_MESSAGE_MAX = 1000;

/** Card accent colour by severity (low grey, medium amber, high orange, critical red). */
const SEVERITY_COLOUR: Readonly<Record<Severity, string>> = Object.freeze({ 1: '808080', 2: 'F2C744', 3: 'E8741E', 4: 'D13438' });

/** Slack mrkdwn needs only &, < and > escaped (which also keeps <!channel> and <url|label> out). */
function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const FENCE = '```';

/**
 * Teams renders Markdown in Adaptive Card TextBlocks and fact values, with no
 * way to turn it off there, so alert text (a DNS name or user agent an
 * attacker chose) could carry `[a harmless label](https://phish.example)`
 * into a trusted security card as a live link, or an autolink `<...>`. A
 * zero-width space after `]` and `<` breaks both forms and stays invisible.
 * Bare URLs may still be linked by the client, but then the link shows where
 * it goes.
 */
function adaptiveCardText(s: string): string {
  return s.replace(/\]\(/g, ']\u200b(').replace(/</g, '<\u200b');
}

/** The facts table with each value capped like the evidence. */
function chatFacts(a: Alert): [string, string][] {
  return alertFacts(a).map(([k, v]) => [k, cut(v, CHAT_VALUE_MAX)]);
}

export function slackPayload(a: Alert): Record<string, unknown> {
  const facts = chatFacts(a);
  let factText = '';
  for (const [k, v] of facts) factText += `*${slackEscape(k)}:* ${slackEscape(v)}\n`;
  let evText = '';
  const ev = evidenceLines(a, CHAT_VALUE_MAX).slice(0, CHAT_EVIDENCE_ROWS);
  // Three backticks inside a value would close the code block early.
  for (const [k, v] of ev) evText += `${slackEscape(k)}: ${slackEscape(v)}\n`.split(FENCE).join("'''");
  const blocks: Record<string, unknown>[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${cut(slackEscape(summaryLine(a)), SLACK_TEXT_MAX)}*` } },
    { type: 'section', text: { type: 'mrkdwn', text: cut(factText, SLACK_TEXT_MAX) } },
  ];
  // Cut inside the fence, so a long evidence list still closes its code block.
  if (evText !== '') blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `${FENCE}${cut(evText, SLACK_TEXT_MAX)}${FENCE}` } });
  return { text: slackEscape(summaryLine(a)), blocks };
}

export function teamsMessageCard(a: Alert): Record<string, unknown> {
  const facts = chatFacts(a).map(([name, value]) => ({ name, value }));
  const sections: Record<string, unknown>[] = [{ activityTitle: cut(oneLine(a.message), CHAT_MESSAGE_MAX), facts, markdown: false }];
  const ev = evidenceLines(a, CHAT_VALUE_MAX).slice(0, CHAT_EVIDENCE_ROWS);
  if (ev.length > 0) sections.push({ title: 'Evidence', facts: ev.map(([name, value]) => ({ name, value })), markdown: false });
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    summary: summaryLine(a),
    themeColor: SEVERITY_COLOUR[a.event.severity],
    title: summaryLine(a),
    sections,
  };
}

export function teamsAdaptiveCard(a: Alert): Record<string, unknown> {
  const t = adaptiveCardText;
  const body: Record<string, unknown>[] = [
    { type: 'TextBlock', text: t(summaryLine(a)), weight: 'Bolder', size: 'Medium', wrap: true, color: a.event.severity >= 3 ? 'Attention' : 'Default' },
    { type: 'TextBlock', text: t(cut(oneLine(a.message), CHAT_MESSAGE_MAX)), wrap: true },
    { type: 'FactSet', facts: chatFacts(a).map(([title, value]) => ({ title: t(title), value: t(value) })) },
  ];
  const ev = evidenceLines(a, CHAT_VALUE_MAX).slice(0, CHAT_EVIDENCE_ROWS);
  if (ev.length > 0) {
    body.push({ type: 'TextBlock', text: 'Evidence', weight: 'Bolder', wrap: true });
    body.push({ type: 'FactSet', facts: ev.map(([title, value]) => ({ title: t(title), value: t(value) })) });
  }
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body },
      },
    ],
  };
}
