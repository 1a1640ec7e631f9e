"""OpenAPI description of the CRM endpoints: identify, consent, export, erasure, segment members."""

from cms.api.schema import RATE_LIMIT_HEADERS, DeliveryApiSchema, nullable, obj, problem_responses, ref, string

MAX_ID_LENGTH = 128
CONSENT_CATEGORIES = ["behaviour", "crm"]
DATE_TIME = string(format="date-time")
ANY_VALUE = {"description": "A trait value: text, number, yes/no, a date as text or a list of them."}


def _ids(description: str) -> dict:
    return {"type": "array", "items": string(), "description": description}


def crm_components(_block_schemas=None) -> dict[str, dict]:
    """Bodies of the CRM endpoints (registered by PersonalizationConfig.ready)."""
    consent = {
        "type": "array", "uniqueItems": True, "items": {"type": "string", "enum": CONSENT_CATEGORIES},
        "description": "Data categories consented to; an empty list withdraws all.",
    }
    event = obj(
        {
            "id": string("The client's event id."), "type": string(), "channel_id": {"type": "integer"},
            "visitor_id": string("Which of the customer's ids reported it."),
            "occurred_at": DATE_TIME, "received_at": DATE_TIME,
            "page": {"type": "integer", "nullable": True}, "placement": string(), "variant": string(),
            "experiment": string(), "arm": string(), "segments": _ids("Segment keys it was served for."),
            "value": {"type": "number", "nullable": True},
            "properties": {"type": "object", "additionalProperties": True},
        },
        required=["id", "type", "channel_id", "visitor_id", "occurred_at", "received_at", "page", "placement",
                  "variant", "experiment", "arm", "segments", "value", "properties"],
        description="A raw event as stored.",
    )
    trait = obj(
        {
            "name": string(), "value": ANY_VALUE,
            "source": nullable(string("Where the value came from (e.g. an import or the API), when recorded.")),
            "updated_at": nullable(string("When it was set, when recorded.")),
        },
        required=["name", "value", "source", "updated_at"],
    )
    profile = obj(
        {
            "first_seen": nullable(DATE_TIME), "last_seen": nullable(DATE_TIME),
            "visit_count": {"type": "integer"},
            "pages_visited": _ids("URL paths viewed (the most recent 500)."),
            "content_types_visited": _ids("Content types viewed."),
            "recent_events": {
                "type": "array", "description": "The events rules see (the latest 200).",
                "items": obj({"name": string(), "at": string(), "target": nullable(string())}, required=["name", "at"]),
            },
        },
        required=["first_seen", "last_seen", "visit_count", "pages_visited", "content_types_visited", "recent_events"],
    )
    export = obj(
        {
            "visitor_id": string("The id asked about."),
            "customer_id": nullable(string("The CRM's id, once identified.")),
            "visitor_ids": _ids("Every visitor id of this customer (the profile's own first)."),
            "merges": {
                "type": "array", "description": "Provenance: which id joined the customer, when and why.",
                "items": obj(
                    {"visitor_id": string(), "customer_id": string(), "reason": string(), "merged_at": DATE_TIME},
                    required=["visitor_id", "customer_id", "reason", "merged_at"],
                ),
            },
            "consent": consent,
            "profile": nullable(ref("StoredProfileData")),
            "traits": {"type": "array", "items": ref("ExportedTrait")},
            "events": {"type": "array", "items": ref("ExportedEvent"), "description": "Raw events of every id, oldest first."},
            "segments": {
                "type": "array", "description": "Segments the stored profile is in now (no request, no channel).",
                "items": obj({"key": string(), "entered_at": nullable(DATE_TIME)}, required=["key", "entered_at"]),
            },
            "segment_history": {
                "type": "array", "description": "Recorded stays in segments.",
                "items": obj({"key": string(), "entered_at": DATE_TIME, "left_at": nullable(DATE_TIME)},
                             required=["key", "entered_at", "left_at"]),
            },
            "exported_at": DATE_TIME,
        },
        required=["visitor_id", "customer_id", "visitor_ids", "merges", "consent", "profile", "traits", "events",
                  "segments", "segment_history", "exported_at"],
        description="Everything held about a visitor (right of access).",
    )
    member = obj(
        {
            "visitor_id": string("The profile's visitor id."),
            "customer_id": nullable(string()),
            "entered_at": DATE_TIME,
            "traits": {
                "type": "object", "additionalProperties": ANY_VALUE,
                "description": "The member's values of the traits the segment's rules use.",
            },
        },
        required=["visitor_id", "customer_id", "entered_at", "traits"],
    )
    return {
        "ConsentRequest": obj({"consent": consent}, required=["consent"], additionalProperties=False),
        "ConsentResponse": obj(
            {"visitor_id": string(), "consent": consent, "visitor_ids": _ids("The ids the consent now covers.")},
            required=["visitor_id", "consent", "visitor_ids"],
        ),
        "IdentifyRequest": obj(
            {"customer_id": string("The CRM's id of the customer.", minLength=1, maxLength=MAX_ID_LENGTH)},
            required=["customer_id"], additionalProperties=False,
        ),
        "IdentifyResponse": obj(
            {
                "visitor_id": string(), "customer_id": string(),
                "visitor_ids": _ids("Every visitor id of the customer now."),
                "joined": _ids("The ids merged into the customer's profile by this request (empty: already one)."),
            },
            required=["visitor_id", "customer_id", "visitor_ids", "joined"],
        ),
        "ErasureResponse": obj(
            {
                "visitor_id": string(),
                "removed": {"type": "object", "additionalProperties": {"type": "integer"},
                            "description": "Rows removed per kind (profiles, merged_ids, traits, events, jobs…)."},
                "suppressed": {"type": "boolean", "description": "Events or pushes for these ids are refused until consent."},
            },
            required=["visitor_id", "removed", "suppressed"],
        ),
        "ProfileExport": export, "StoredProfileData": profile, "ExportedTrait": trait, "ExportedEvent": event,
        "SegmentMember": member,
        "SegmentMembers": obj(
            {
                "segment": string(),
                "results": {"type": "array", "items": ref("SegmentMember")},
                "next": nullable(string("The `after` cursor of the next page; null on the last.")),
            },
            required=["segment", "results", "next"],
        ),
    }


class CrmSchema(DeliveryApiSchema):
    """A CRM view's operations, with rate-limit headers and the view's problem responses per method."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        self._register_components()
        for status, response in operation["responses"].items():
            if status.startswith("2"):
                response["headers"] = dict(RATE_LIMIT_HEADERS)
        operation["responses"].update(problem_responses(self.view.problem_statuses[method.upper()]))
        return operation
