"""The demo hub's content: customer-experience writing for the seeded site.

Pure data, so that seeding, tests and benchmarks share one source.
"""

CHANNELS = [
    {
        "slug": "web",
        "name": "Web",
        "description": "The public web site.",
        "allowed_origins": "http://localhost:3000\nhttp://127.0.0.1:3000",
        "presets": [("hero", "fill-1600x900|format-webp"), ("card", "fill-800x450|format-webp")],
    },
    {
        "slug": "mobile",
        "name": "Mobile app",
        "description": "The iOS and Android apps.",
        "allowed_origins": "",
        "presets": [("hero", "fill-750x1000|format-webp"), ("card", "fill-750x420|format-webp")],
    },
    {
        "slug": "email",
        "name": "Email",
        "description": "Newsletters and lifecycle email.",
        "allowed_origins": "",
        "presets": [("hero", "width-600|format-jpeg"), ("card", "fill-280x160|format-jpeg")],
    },
    {
        "slug": "kiosk",
        "name": "Kiosk",
        "description": "In-store touch screens.",
        "allowed_origins": "",
        "presets": [("hero", "fill-1920x1080|format-webp")],
    },
]

# username -> (group, first name, last name); passwords are "<username>-demo-pass".
USERS = {
    "editor": ("Editors", "Eda", "Writer"),
    "cco": ("Chief Content Officer", "Chiara", "Officer"),
    "marketer": ("Marketers", "Marco", "Segment"),
    "developer": ("Developers", "Dev", "Frontend"),
}
ADMIN_USERNAME = "admin"

AUTHORS = [
    ("Amara Okafor", "Head of Customer Insight"),
    ("Lukas Brenner", "Service Designer"),
    ("Mei Lin", "Lifecycle Marketing Lead"),
    ("Sofia Marquez", "Contact Centre Director"),
]

SECTIONS = [
    ("guides", "Guides", "Practical playbooks for customer-experience teams."),
    ("customer-stories", "Customer stories", "How teams changed the experience they deliver."),
    ("insights", "Insights", "Research and opinion on what customers expect next."),
]

# (section slug, title, summary, [paragraphs], tags)
ARTICLES = [
    ("guides", "Mapping the customer journey across channels",
     "A journey map that stops at the web site misses half the story.",
     ["Start from the moments a customer would describe to a friend, not from your org chart.",
      "Mark where the customer switches channel: each switch is where context gets lost."],
     ["journeys", "omnichannel"]),
    ("guides", "Writing once for web, app and kiosk",
     "Structured content lets one article serve every screen without copy and paste.",
     ["Separate what the content says from how each channel shows it.",
      "Give each channel only the overrides it truly needs: a shorter title, a different image."],
     ["content-strategy", "omnichannel"]),
    ("guides", "Segments that marketers can own",
     "Rules should be readable by the people who write them.",
     ["A good segment reads like a sentence: returning visitors on mobile from the spring campaign.",
      "Keep segments few and meaningful; a hundred overlapping segments help nobody."],
     ["personalisation", "segments"]),
    ("guides", "Measuring personalisation honestly",
     "Without a holdout, every uplift is a guess.",
     ["Keep a share of visitors on the default experience to measure the lift of the whole programme.",
      "Decide the primary metric before the test starts, and the minimum sample too."],
     ["experiments", "analytics"]),
    ("guides", "Consent as a design material",
     "Ask for data when the value to the customer is obvious.",
     ["Explain what the customer gets in return at the moment you ask.",
      "Design the experience so that it degrades gracefully for visitors who say no."],
     ["privacy", "consent"]),
    ("guides", "A content model for campaigns",
     "Landing pages, promos and calls to action as reusable pieces.",
     ["Model the campaign parts once and reuse them across pages and channels.",
      "Editors then assemble pages instead of copying blocks between them."],
     ["content-strategy", "campaigns"]),
    ("guides", "Preview before you publish",
     "See the page as each channel and segment will see it.",
     ["Preview every variant on every channel before approval, not after launch.",
      "A shared preview link lets reviewers outside the CMS check the real front end."],
     ["workflow", "preview"]),
    ("guides", "Approval workflows that do not slow you down",
     "Governance is a feature when it is fast.",
     ["Route only what needs approval to the approver, with the change shown as a diff.",
      "Schedule go-live times so that approvals can happen during working hours."],
     ["workflow", "governance"]),
    ("customer-stories", "How a regional bank cut call volumes by a fifth",
     "Answering the top ten questions in the app before customers picked up the phone.",
     ["The bank matched the app's home screen to the reasons people called that week.",
      "Call volumes fell by a fifth within a quarter, and satisfaction rose with them."],
     ["self-service", "banking"]),
    ("customer-stories", "A retailer's kiosk that knows the season",
     "In-store screens that change with the weather and the time of day.",
     ["Kiosks showed rain gear on wet mornings and picnic sets on sunny afternoons.",
      "The content came from the same hub as the web shop, with kiosk-sized images."],
     ["retail", "kiosk"]),
    ("customer-stories", "Welcoming first-time visitors differently",
     "A travel brand's first-visit journey doubled newsletter sign-ups.",
     ["First-time visitors saw inspiration; returning visitors saw their saved trips.",
      "Sign-ups doubled without a single extra pop-up."],
     ["travel", "personalisation"]),
    ("customer-stories", "An insurer that listened to sentiment",
     "Alerting on falling satisfaction scores before customers left.",
     ["When a segment's satisfaction fell, the team changed renewal messages within a day.",
      "Churn in the affected segment fell back to its usual level within a month."],
     ["insurance", "sentiment"]),
    ("customer-stories", "One hub, four channels, one team",
     "A utility consolidated four content silos into one.",
     ["The web, app, email and in-store teams now write in one place.",
      "Publishing a tariff change takes minutes instead of a week of coordination."],
     ["utilities", "omnichannel"]),
    ("customer-stories", "Campaigns without tickets",
     "A telecom's marketers launched offers without waiting for IT.",
     ["Marketers define the audience, editors write the offer, and the API does the rest.",
      "Time from idea to live campaign fell from three weeks to two days."],
     ["telecom", "campaigns"]),
    ("insights", "What customers expect from personalisation in 2026",
     "Relevance, not surveillance.",
     ["Customers welcome relevance they can understand and control.",
      "Explainable decisions build trust: show why a recommendation was made."],
     ["personalisation", "research"]),
    ("insights", "The cost of inconsistent answers",
     "When the app and the web site disagree, customers call.",
     ["Inconsistent answers are a leading cause of avoidable contact.",
      "A single source of content is the cheapest fix."],
     ["omnichannel", "service"]),
    ("insights", "Speed is a customer-experience metric",
     "Every hundred milliseconds counts on mobile.",
     ["Personalisation must not cost the page its speed.",
      "Cache what you can, decide what you must, and measure both."],
     ["performance", "mobile"]),
    ("insights", "Segments are products, not queries",
     "Give each segment an owner, a purpose and an expiry date.",
     ["Segments outlive the campaigns that created them unless someone retires them.",
      "Review segment reach monthly and retire the ones nobody uses."],
     ["segments", "governance"]),
    ("insights", "Email is still a channel worth designing for",
     "The inbox rewards brevity and a single clear action.",
     ["Email gets its own images and shorter copy, from the same source as the web.",
      "One action per email outperforms a catalogue of links."],
     ["email", "content-strategy"]),
    ("insights", "Accessibility is part of the experience",
     "Alt text, contrast and clear language help every customer.",
     ["Every image in the hub carries alt text, so every channel can describe it.",
      "Plain language shortens support calls as much as it helps screen-reader users."],
     ["accessibility", "content-strategy"]),
    ("insights", "From A/B tests to always-on learning",
     "Experiments that end with a decision, not a slide.",
     ["Promote the winning variant into the default and start the next question.",
      "Guardrail metrics stop a winning test from hurting something else."],
     ["experiments", "analytics"]),
]

# (slug, title, summary, hero heading, hero subheading, call to action title)
LANDING_PAGES = [
    ("spring-offer", "Spring offer", "Our spring campaign for new and returning customers.",
     "Spring into something better", "Offers picked for you, on every channel.", "Claim the spring offer"),
    ("loyalty", "Loyalty programme", "Rewards for customers who stay with us.",
     "Thank you for staying", "Members get more every month.", "Join the loyalty programme"),
    ("app-launch", "Our new app", "Everything you do with us, in your pocket.",
     "The new app is here", "Faster, simpler, and built with our customers.", "Get the app"),
]

CALLS_TO_ACTION = [
    ("Claim the spring offer", "Limited time, while stocks last.", "Claim now"),
    ("Join the loyalty programme", "Earn points on every purchase.", "Join free"),
    ("Get the app", "Available for iOS and Android.", "Download"),
]

PROMOS = [
    ("Free delivery this week", "On every order over 30 euros."),
    ("Members' evening", "Early access for loyalty members."),
    ("Refer a friend", "You both get a month free."),
]

# CRM traits marketers can use: (name, type, description, choices)
TRAITS = [
    ("tier", "choice", "Loyalty tier from the CRM.", ["bronze", "silver", "gold"]),
    ("lifetime_value", "number", "Total spend in euros.", []),
    ("churn_risk", "number", "Model score from 0 (loyal) to 1 (about to leave).", []),
    ("sentiment", "number", "Average survey sentiment, -1 to 1.", []),
]

# (key, name, priority, definition)
SEGMENTS = [
    ("gold-members", "Gold members", 5,
     {"attribute": "trait.tier", "operator": "equals", "value": "gold"}),
    ("mobile-returning", "Returning visitors on mobile", 10,
     {"all": [{"attribute": "device", "operator": "equals", "value": "mobile"},
              {"attribute": "returning", "operator": "equals", "value": True}]}),
    ("spring-campaign", "Spring campaign traffic", 15,
     {"any": [{"attribute": "utm_campaign", "operator": "equals", "value": "spring"},
              {"attribute": "referrer_host", "operator": "ends_with", "value": "newsletter.example"}]}),
    ("first-visit", "First-time visitors", 20,
     {"attribute": "first_visit", "operator": "equals", "value": True}),
    ("at-risk", "Customers at risk of leaving", 30,
     {"all": [{"attribute": "trait.churn_risk", "operator": "gte", "value": 0.7},
              {"not": {"attribute": "segment", "operator": "member_of", "value": "gold-members"}}]}),
    ("weekend-evenings", "Weekend evenings in London", 40,
     {"all": [{"attribute": "day_of_week", "operator": "day_of_week_in", "value": ["sat", "sun"], "timezone": "Europe/London"},
              {"attribute": "local_time", "operator": "time_between", "value": ["18:00", "23:00"], "timezone": "Europe/London"}]}),
]

# The spring landing page's personalised hero: (segment keys, channels, heading)
SPRING_VARIANTS = [
    (["gold-members"], [], "Gold members: your spring offer is doubled"),
    (["mobile-returning"], ["mobile"], "Welcome back: tap to claim your spring offer"),
    (["first-visit"], [], "New here? Your first spring order ships free"),
]
SPRING_DEFAULT = "Spring offers, picked for you"
