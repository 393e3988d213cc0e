import { type BotConfig, DEFAULT_BOT_CONFIG } from "../shared/bot-config";

export interface BotTemplate {
  id: string;
  name: string;
  description: string;
  config: BotConfig;
}

const WEEKDAYS_9_TO_5 = (["mon", "tue", "wed", "thu", "fri"] as const).map((day) => ({
  day,
  start: "09:00",
  end: "17:00",
}));

/** Built-in starting points; a bot keeps the id of the template it came from. */
export const BOT_TEMPLATES: readonly BotTemplate[] = [
  {
    id: "customer-support",
    name: "Customer support",
    description: "Answers product questions from your knowledge base and hands over to your team when stuck.",
    config: {
      ...DEFAULT_BOT_CONFIG,
      persona:
        "You are a friendly, concise support assistant. Answer only from the knowledge provided. If you are not sure, say so and offer to connect the visitor with a person.",
      welcomeMessage: "Hi! I'm here to help with any questions about our product. What can I do for you?",
      fallbackMessage:
        "I'm not sure about that one. Would you like me to connect you with someone from our team?",
      businessHours: { timezone: "UTC", ranges: WEEKDAYS_9_TO_5 },
      outOfHoursMessage:
        "Our team is offline right now (Mon–Fri, 09:00–17:00 UTC). Leave a message and we'll reply by email.",
      escalation: {
        keywords: ["human", "agent", "person", "complaint", "refund"],
        fallbacksBeforeHandoff: 2,
      },
    },
  },
  {
    id: "lead-capture",
    name: "Lead capture",
    description: "Qualifies visitors and asks for contact details so sales can follow up.",
    config: {
      ...DEFAULT_BOT_CONFIG,
      persona:
        "You are a helpful sales assistant. Learn what the visitor needs, answer briefly, and ask for their name and email so the team can follow up.",
      welcomeMessage:
        "Hi there! Looking for something specific? I can answer questions or set up a call with our team.",
      fallbackMessage:
        "Good question. Leave your email and one of our specialists will get back to you shortly.",
      escalation: { keywords: ["pricing", "demo", "quote", "sales"], fallbacksBeforeHandoff: 2 },
    },
  },
  {
    id: "faq",
    name: "FAQ",
    description: "Answers frequently asked questions; never escalates on its own.",
    config: {
      ...DEFAULT_BOT_CONFIG,
      persona:
        "You answer frequently asked questions briefly and accurately, using only the entries provided.",
      welcomeMessage: "Hi! Ask me anything about our services.",
      fallbackMessage: "I don't have an answer to that yet. Try rephrasing, or check our help center.",
      escalation: { keywords: [], fallbacksBeforeHandoff: 0 },
    },
  },
];

export function findTemplate(templateId: string): BotTemplate | undefined {
  return BOT_TEMPLATES.find((template) => template.id === templateId);
}
