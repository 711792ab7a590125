"""The demo forum's text, written for this project.

A good-practices document on homegrown terrorism in the style of the forum's
framework documents; none of it is copied from a published text. Each practice
is (heading, body). Bodies use the restricted Markdown of drafting.text.
"""

FORUM = "Global Counterterrorism Forum"

MEMBERS = [
    ("Algeria", "DZ"),
    ("Australia", "AU"),
    ("Canada", "CA"),
    ("China", "CN"),
    ("Colombia", "CO"),
    ("Denmark", "DK"),
    ("Egypt", "EG"),
    ("European Union", "EU"),
    ("France", "FR"),
    ("Germany", "DE"),
    ("India", "IN"),
    ("Indonesia", "ID"),
    ("Italy", "IT"),
    ("Japan", "JP"),
    ("Jordan", "JO"),
    ("Morocco", "MA"),
    ("Netherlands", "NL"),
    ("New Zealand", "NZ"),
    ("Nigeria", "NG"),
    ("Pakistan", "PK"),
    ("Qatar", "QA"),
    ("Russia", "RU"),
    ("Saudi Arabia", "SA"),
    ("South Africa", "ZA"),
    ("Spain", "ES"),
    ("Switzerland", "CH"),
    ("Türkiye", "TR"),
    ("United Arab Emirates", "AE"),
    ("United Kingdom", "GB"),
    ("United States", "US"),
]
PARTNER_STATES = [("Norway", "NO"), ("Malta", "MT"), ("Tunisia", "TN")]
PARTNER_ORGANISATIONS = [
    ("United Nations", "UN"),
    ("Organization for Security and Co-operation in Europe", "OSCE"),
    ("Council of Europe", "COE"),
]
IMPLEMENTING_PARTNERS = [("International Institute for Justice and the Rule of Law", "IIJ")]

WORKING_GROUPS = [
    (
        "Countering Violent Extremism",
        "cve",
        ("ID", "AU"),
        "Brings together practitioners who work to prevent radicalisation to violence.",
    ),
    (
        "Foreign Terrorist Fighters",
        "ftf",
        ("MA", "NL"),
        "Addresses the full life cycle of the foreign terrorist fighter phenomenon.",
    ),
    (
        "Criminal Justice and the Rule of Law",
        "cjrol",
        ("NG", "CH"),
        "Supports rule-of-law-based criminal justice responses to terrorism.",
    ),
    (
        "Capacity Building in West Africa",
        "west-africa",
        ("DZ", "CA"),
        "Strengthens civilian capacities to counter terrorism in West Africa.",
    ),
    (
        "Capacity Building in East Africa",
        "east-africa",
        ("EG", "EU"),
        "Strengthens civilian capacities to counter terrorism in East Africa.",
    ),
]

DOCUMENT = {
    "slug": "homegrown-terrorism",
    "title": (
        "Rabat-Washington Good Practices on the Prevention, Detection, Intervention "
        "and Response to Homegrown Terrorism"
    ),
    "short_title": "Homegrown Terrorism Good Practices",
    "initiative": "Initiative to Address Homegrown Terrorism",
    "introduction": (
        "Individuals who are radicalised to violence in the country where they live, "
        "and who plan or carry out attacks there, pose a challenge that no single "
        "agency can meet alone. This document collects non-binding good practices "
        "that members and partners may draw on when designing policies and programmes "
        "to prevent, detect, intervene in and respond to homegrown terrorism.\n\n"
        "The practices are grounded in respect for human rights and the rule of law, "
        "and they recognise that local communities, families and civil society are "
        "partners rather than only subjects of these efforts."
    ),
}

# The "zero draft" prepared before the launch meeting.
SECTIONS = [
    (
        "Prevention",
        "Prevention addresses the conditions in which radicalisation to violence takes root, "
        "long before any crime is planned.",
        [
            (
                "Build prevention strategies on evidence about local drivers of radicalisation.",
                "National strategies should rest on research into why individuals in a given "
                "community are drawn to violent extremism, and should be revised as that "
                "evidence changes.[^1]\n\n"
                "[^1]: Research partnerships with universities can supply this evidence at modest cost.",
            ),
            (
                "Involve local authorities as first-line actors.",
                "Municipal officials know their communities and can coordinate schools, social "
                "services and health providers around a shared prevention plan.",
            ),
            (
                "Support families as a protective factor.",
                "Parents and siblings are often the first to notice worrying changes. Offer them "
                "confidential counselling and clear routes to help that do not automatically "
                "involve the police.",
            ),
            (
                "Equip schools and teachers to build resilience.",
                "Curricula that develop critical thinking and digital literacy help young people "
                "recognise manipulation. Teachers need training and a clear protocol for "
                "raising concerns.",
            ),
            (
                "Engage civil society organisations as independent partners.",
                "Civil society organisations reach people whom governments cannot. Their "
                "independence should be respected, and funding should not be tied to "
                "intelligence gathering.",
            ),
            (
                "Counter violent extremist narratives online with credible voices.",
                "Alternative narratives are most persuasive when they come from peers, former "
                "extremists and community figures rather than from government channels.",
            ),
        ],
    ),
    (
        "Detection",
        "Detection is about noticing signs of mobilisation to violence early and passing them to "
        "those able to act, while protecting privacy and avoiding stigma.",
        [
            (
                "Train frontline practitioners to recognise signs of mobilisation to violence.",
                "Police officers, social workers, teachers and health professionals should be "
                "able to distinguish radical but lawful views from indicators of planned violence.",
            ),
            (
                "Establish clear and proportionate referral mechanisms.",
                "A single point of contact for concerns, with published criteria for what "
                "happens next, builds trust and reduces both under- and over-reporting.",
            ),
            (
                "Share information between agencies within a clear legal framework.",
                "Information sharing should be governed by law, limited to what is necessary, "
                "and subject to independent oversight.",
            ),
            (
                "Build trust between law enforcement and communities.",
                "Community policing, regular dialogue and visible accountability for misconduct "
                "make it more likely that communities report concerns.",
            ),
            (
                "Monitor the online environment lawfully and transparently.",
                "Where authorities monitor open online spaces, the legal basis, scope and "
                "safeguards should be public.",
            ),
        ],
    ),
    (
        "Intervention",
        "Intervention offers individuals on a path towards violence a way off it, before a crime "
        "is committed.",
        [
            (
                "Offer voluntary, multi-agency intervention programmes.",
                "Programmes that bring together mentors, psychologists, religious counsellors and "
                "social services should be tailored to each individual.",
            ),
            (
                "Assess risk with structured professional judgement.",
                "Risk assessment tools should be validated, used by trained staff and reviewed "
                "regularly; no tool should replace professional judgement.",
            ),
            (
                "Involve families in intervention plans.",
                "Where it is safe to do so, families should be informed and involved, since "
                "lasting change usually depends on a supportive environment.",
            ),
            (
                "Address practical needs alongside ideology.",
                "Help with housing, employment, education and mental health often matters as "
                "much as ideological counselling.",
            ),
            (
                "Protect the confidentiality of participants.",
                "Participation should not be recorded in criminal records, and information "
                "should be shared only under agreed rules.",
            ),
        ],
    ),
    (
        "Response",
        "Response covers the investigation and prosecution of terrorist offences and what follows: "
        "support for victims, rehabilitation and reintegration.",
        [
            (
                "Investigate and prosecute terrorist offences within the rule of law.",
                "Offences should be clearly defined in law, and suspects afforded fair trial "
                "guarantees, including access to counsel.",
            ),
            (
                "Provide rehabilitation in prison and on release.",
                "Disengagement programmes in prison should continue after release through "
                "probation services and community partners.",
            ),
            (
                "Support victims and affected communities.",
                "Victims need timely information, practical and psychological support, and a "
                "voice in commemoration and prevention.",
            ),
            (
                "Communicate with the public after an attack.",
                "Prompt, accurate and calm public communication limits fear, counters "
                "disinformation and avoids stigmatising communities.",
            ),
            (
                "Learn from each incident.",
                "After-action reviews, shared across agencies and with partners, should feed "
                "back into prevention and detection.",
            ),
        ],
    ),
]

# Edits that make the history show the draft evolving between the meetings.
# (when, username, reason, kind, args) — applied in order by the loader.
EDIT_SCRIPT = [
    # After the launch meeting in Valletta (15–16 November 2017).
    (
        "2017-11-28T10:15",
        "expert.ma",
        "Follow-up to the launch meeting discussion.",
        "edit",
        (
            "Prevention",
            2,
            None,
            "Municipal officials know their communities and can coordinate schools, social "
            "services, health providers and religious leaders around a shared prevention "
            "plan, with a clear lead and modest dedicated funding.",
        ),
    ),
    (
        "2017-12-05T14:40",
        "expert.us",
        "Clarified the scope of the referral criteria.",
        "edit",
        (
            "Detection",
            2,
            None,
            "A single point of contact for concerns, with published criteria for what "
            "happens next, builds trust and reduces both under- and over-reporting. "
            "Referral should lead to an assessment, not automatically to an investigation.",
        ),
    ),
    (
        "2017-12-12T09:05",
        "expert.nl",
        "Added a practice on gender raised at the launch meeting.",
        "add",
        (
            "Prevention",
            6,
            "Take account of gender in prevention programmes.",
            "Women and girls are involved in violent extremism as supporters, recruiters "
            "and perpetrators, and also play protective roles. Programmes should reflect "
            "both.",
        ),
    ),
    # After the workshop on civil society and law enforcement (31 January–1 February 2018).
    (
        "2018-02-14T11:20",
        "expert.un",
        "Civil society workshop: independence of partners.",
        "edit",
        (
            "Prevention",
            5,
            "Engage civil society organisations as independent and trusted partners.",
            "Civil society organisations reach people whom governments cannot. Their "
            "independence should be respected, funding should not be tied to intelligence "
            "gathering, and they should be consulted when programmes are designed.",
        ),
    ),
    (
        "2018-02-20T16:00",
        "expert.us",
        "Law enforcement workshop outcome: trust comes first.",
        "move",
        ("Detection", 4, "Detection", 0),
    ),
    (
        "2018-03-06T10:30",
        "expert.ma",
        "Added the role of religious leaders discussed in Valletta.",
        "add",
        (
            "Intervention",
            3,
            "Draw on credible religious scholars and community leaders.",
            "Religious scholars trained in counselling can address ideological arguments "
            "directly. Their involvement should be voluntary and their independence "
            "respected.",
        ),
    ),
    # After the workshop on criminal-justice approaches (25–26 April 2018).
    (
        "2018-05-03T09:45",
        "expert.nl",
        "Criminal justice workshop: prosecution practice.",
        "edit",
        (
            "Response",
            1,
            None,
            "Offences should be clearly defined in law, and suspects afforded fair trial "
            "guarantees, including access to counsel and to an interpreter.[^1] "
            "Prosecutors should consider alternatives to detention for minors.\n\n"
            "[^1]: See the forum's memorandum on good practices for effective "
            "counterterrorism practice in the criminal justice sector.",
        ),
    ),
    (
        "2018-05-10T15:10",
        "expert.ma",
        "Merged into the practice on online narratives.",
        "delete",
        ("Detection", 5),
    ),
    (
        "2018-05-22T13:00",
        "expert.un",
        "Added juvenile justice from the workshop conclusions.",
        "add",
        (
            "Response",
            2,
            "Treat children associated with terrorist groups primarily as victims.",
            "Children recruited or exploited by terrorist groups should be dealt with in "
            "accordance with juvenile justice standards, with the best interests of the "
            "child as a primary consideration.",
        ),
    ),
    # At the Rabat review meeting (25 June 2018).
    (
        "2018-06-25T11:30",
        "secretariat",
        "Agreed at the Rabat review meeting.",
        "edit",
        (
            "Intervention",
            1,
            "Offer voluntary, multi-agency intervention programmes tailored to each individual.",
            "Programmes that bring together mentors, psychologists, religious counsellors and "
            "social services should be tailored to each individual and reviewed regularly.",
        ),
    ),
    (
        "2018-06-25T15:20",
        "secretariat",
        "Agreed at the Rabat review meeting.",
        "edit",
        (
            "Response",
            6,
            "Learn from each incident and share the lessons.",
            "After-action reviews, shared across agencies and with international partners, "
            "should feed back into prevention and detection.",
        ),
    ),
    # After Rabat: final touches before the ministerial plenary.
    (
        "2018-07-09T10:00",
        "expert.us",
        "Editorial: consistent terminology after Rabat.",
        "edit",
        (
            "Detection",
            2,
            None,
            "Police officers, social workers, teachers and health professionals should be "
            "able to distinguish radical but lawful views from indicators of mobilisation "
            "to violence, and know where to turn.",
        ),
    ),
]

# (kind, title, theme, city, starts, ends, participants, agenda section titles, outcome)
MEETINGS = [
    (
        "inaugural",
        "Launch meeting of the Initiative to Address Homegrown Terrorism",
        "Scoping the initiative and agreeing the structure of the good practices",
        "Valletta",
        "2017-11-15",
        "2017-11-16",
        ["MA", "US", "NL", "DE", "FR", "GB", "UN", "IIJ"],
        ["Prevention", "Detection", "Intervention", "Response"],
        "Participants agreed to organise the good practices under four headings — prevention, "
        "detection, intervention and response — and asked the co-leads to circulate a revised "
        "draft before the first workshop.\n\n- Local authorities and families to be given more weight.\n"
        "- A practice on gender to be added.",
    ),
    (
        "workshop",
        "Expert workshop on the role of civil society and law enforcement",
        "How civil society and law enforcement can work together against homegrown terrorism",
        "Valletta",
        "2018-01-31",
        "2018-02-01",
        ["MA", "US", "NL", "ES", "ID", "UN", "OSCE", "IIJ"],
        ["Prevention", "Detection"],
        "Experts stressed that trust between police and communities is the precondition for "
        "detection, and that civil society partners must remain independent. The practice on "
        "building trust is to come first in the detection section.",
    ),
    (
        "workshop",
        "Expert workshop on criminal-justice approaches",
        "Investigation, prosecution, rehabilitation and reintegration",
        "Valletta",
        "2018-04-25",
        "2018-04-26",
        ["MA", "US", "NL", "CH", "NG", "UN", "COE", "IIJ"],
        ["Intervention", "Response"],
        "Participants asked for stronger language on fair trial guarantees and for a practice on "
        "children associated with terrorist groups. The online-monitoring practice is to be "
        "merged into the prevention section.",
    ),
    (
        "review",
        "Review meeting on the draft good practices",
        "Line-by-line review of the draft with members and partners",
        "Rabat",
        "2018-06-25",
        "2018-06-25",
        ["MA", "US", "NL", "DE", "FR", "GB", "ES", "CA", "AU", "TR", "NO", "TN", "UN", "IIJ"],
        ["Prevention", "Detection", "Intervention", "Response"],
        "Members reviewed the draft practice by practice and agreed the remaining changes in the "
        "room. The co-leads will circulate a final text for adoption at the ministerial plenary.",
    ),
    (
        "ministerial",
        "Ninth ministerial plenary meeting",
        "Adoption of framework documents",
        "New York",
        "2018-09-26",
        "2018-09-26",
        [code for _, code in MEMBERS],
        [],
        "",
    ),
]

# (name, taken_at, meeting index or None)
VERSIONS = [
    ("Zero draft — for the Valletta launch meeting", "2017-11-10T12:00", 0),
    ("Draft 1 — for the civil society and law enforcement workshop", "2018-01-25T12:00", 1),
    ("Draft 2 — for the criminal-justice workshop", "2018-04-18T12:00", 2),
    ("Draft 3 — circulated for the Rabat review meeting", "2018-06-11T12:00", 3),
]

# (username, first, last, role, delegation code)
USERS = [
    ("secretariat", "Amal", "Haddad", "secretariat", "IIJ"),
    ("expert.ma", "Youssef", "Alaoui", "expert", "MA"),
    ("expert.us", "Sarah", "Mitchell", "expert", "US"),
    ("expert.nl", "Pieter", "de Vries", "expert", "NL"),
    ("expert.un", "Ana", "Ferreira", "expert", "UN"),
    ("observer", "Lukas", "Meier", "observer", "CH"),
]
DEMO_PASSWORD = "drafting-demo"  # noqa: S105  (printed development password)

# Delegations' positions stated at the Rabat review meeting (issue 14):
# (when, username, section title, practice n in that section, stance, statement).
POSITIONS = [
    ("2018-06-25T15:00", "expert.ma", "Prevention", 1, "support", ""),
    ("2018-06-25T15:02", "expert.us", "Prevention", 1, "support", ""),
    (
        "2018-06-25T15:05",
        "expert.nl",
        "Prevention",
        1,
        "reservation",
        "The Netherlands reads “community engagement” as voluntary participation and does not "
        "accept any obligation on civil society organisations to report on their members.",
    ),
    ("2018-06-25T15:10", "expert.ma", "Detection", 2, "support", ""),
    (
        "2018-06-25T15:12",
        "expert.un",
        "Detection",
        2,
        "reservation",
        "Referral arrangements should be reviewed against international human rights law, in "
        "particular the right to privacy.",
    ),
    (
        "2018-06-25T15:20",
        "expert.nl",
        "Intervention",
        1,
        "objection",
        "The text should say that participation in intervention programmes is voluntary.",
    ),
    ("2018-06-25T15:25", "expert.us", "Response", 1, "support", ""),
]
# Reservations the secretariat accepted for the record at the meeting: (when, username,
# section, n) of a reservation above. It is printed as a footnote of the text.
RESERVATIONS_ON_RECORD = [("2018-06-25T17:30", "expert.nl", "Prevention", 1)]
# Practices the secretariat recorded as agreed at the meeting: (when, section, n, status).
AGREEMENTS = [("2018-06-25T17:45", "Response", 1, "ad_referendum")]

# Square brackets put in after the Rabat review meeting, still open (issue 14): (when, username,
# section title, field, passage, ((alternative, delegation codes), ...)). The
# passage itself is the first alternative. Written into the practice's text as the
# "Bracket a passage" form would (drafting/brackets.py).
BRACKETS = [
    (
        "2018-07-09T15:00",
        "expert.nl",
        "Detection",
        "heading",
        "mobilisation to violence",
        (("mobilisation to violence", ("MA", "US")), ("radicalisation", ("NL",))),
    ),
    (
        "2018-07-09T15:10",
        "expert.us",
        "Prevention",
        "heading",
        "Equip",
        (("Equip", ("MA",)), ("Encourage and support", ("US", "UN"))),
    ),
]


# A closed written round before the Rabat review meeting (issue 15): Draft 3 circulated to
# four delegations, their comments, and the secretariat's disposition table.
# (version name, opened, deadline (UTC), deadline's zone, invited codes, instructions)
COMMENT_PERIOD = (
    "Draft 3 — circulated for the Rabat review meeting",
    "2018-06-11T14:00",
    "2018-06-22T15:00",
    "Europe/Brussels",
    ["MA", "US", "NL", "UN"],
    "Please send comments on **Prevention** and **Detection** before the Rabat meeting.",
)
# (when, username, section title, practice n, comment, disposition, note, decided at Rabat?)
PERIOD_COMMENTS = [
    (
        "2018-06-14T10:00",
        "expert.ma",
        "Prevention",
        1,
        "Mention local authorities alongside families and schools.",
        "accepted",
        "Added to the text agreed at Rabat.",
        True,
    ),
    (
        "2018-06-18T16:30",
        "expert.us",
        "Prevention",
        2,
        "The second sentence repeats Good Practice 1; consider deleting it.",
        "modified",
        "Shortened rather than deleted.",
        True,
    ),
    (
        "2018-06-20T09:15",
        "expert.nl",
        "Detection",
        1,
        "Add a reference to data protection safeguards.",
        "deferred",
        "To be taken up with the Detection section at the Rabat meeting.",
        True,
    ),
    (
        "2018-06-21T11:45",
        "expert.un",
        "Detection",
        2,
        "Refer to the relevant Security Council resolutions.",
        "rejected",
        "Framework documents of the forum do not cite resolutions in the practices.",
        False,
    ),
]
