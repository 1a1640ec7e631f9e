"""The banner over the segment list and "Pages and segments": live segments left out of decisions."""

from personalization.specs import live_rules


class LeftOutBannerMixin:
    """Adds ``left_out_segments``: (segment, LeftOut) pairs, each with its reason and message.

    Compiled afresh from the database (not the delivery cache), so the banner says what
    the next compile will leave out, also right after a fix.
    """

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not getattr(self, "results_only", False):  # the listing's AJAX refreshes have no header
            context["left_out_segments"] = live_rules().left_out()
        return context
