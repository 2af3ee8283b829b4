"""Activities about polls and demands, recognised before the worker's usual dispatch (read by
`activitypub/parse/demand_steps.py`), each handed to one domain `receive_*` function: votes, their
withdrawal, a collective's co-signature of a demand and its withdrawal, and Update(Question) counts.
"""

from __future__ import annotations

from fedaid.activitypub.parse import Activity
from fedaid.activitypub.parse.demand_steps import Endorsement, QuestionUpdated, VoteCast, Withdrawal, read_demand_step
from fedaid.domain import demands, polls, remote_demands
from fedaid.models import Actor


async def apply_demand_activity(actor: Actor, activity: Activity) -> bool:
    """Apply `activity` if it is about a poll or a demand; False to let the usual dispatch take it."""
    match read_demand_step(activity, followers_url=actor.followers_url):
        case VoteCast(vote=vote):
            await polls.receive_vote(vote, actor)
            return True  # a vote is never kept as a post, counted or not
        case Withdrawal() as withdrawal:
            return await demands.receive_withdrawal(actor, withdrawal)
        case Endorsement(question_ap_id=question, accept_ap_id=accept):
            return await demands.receive_endorsement(actor, question, accept)
        case QuestionUpdated(note=note):
            # Counts change without `updated` moving; an edit of the text also goes through the usual Update.
            await remote_demands.refresh_remote_question(note, actor)
    return False
