"""The conversation, platform-neutral: events in and effects out (`events`), the command
registry and parser (`commands`), the handlers (`handlers`), App Home (`home`), the message
a delivery carries (`compose`), a person's own view (`personal`) and every message template
(`templates`). The adapters translate these to and from their platforms."""
