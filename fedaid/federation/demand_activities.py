"""Activities about polls and demands, recognised before the worker's usual dispatch, each handed to one domain
`receive_*` function: votes (Mastodon's Create(Note{name, inReplyTo})), their withdrawal (Delete or Undo of the
vote), a collective's endorsement (Accept of a demand's Question) and its Undo, and Update(Question) counts.
"""

from __future__ import annotations

from fedaid.activitypub.parse import Activity, as_list, id_of, parse_note
from fedaid.activitypub.questions import parse_vote
from fedaid.activitypub.vocab import ActivityType, ObjectType
from fedaid.domain import demands, polls, remote_demands
from fedaid.models import Actor


async def apply_demand_activity(actor: Actor, activity: Activity) -> bool:
    """Apply `activity` if it is about a poll or a demand; False to let the usual dispatch take it."""
    match activity.type:
        case ActivityType.CREATE:
            vote = parse_vote(activity)
            if vote is None:
                return False
            await polls.receive_vote(vote, actor)
            return True  # a vote is never kept as a post, counted or not
        case ActivityType.DELETE:
            ref = activity.object_ap_id
            return ref is not None and await polls.receive_vote_withdrawal(actor, ref)
        case ActivityType.UNDO:
            return await _apply_undo(actor, activity)
        case ActivityType.ACCEPT:
            obj = activity.object
            if isinstance(obj, dict) and ObjectType.QUESTION not in as_list(obj.get("type")):
                return False
            question = id_of(obj)
            return question is not None and await demands.receive_endorsement(actor, question, activity.ap_id)
        case ActivityType.UPDATE:
            obj = activity.object
            if isinstance(obj, dict) and ObjectType.QUESTION in as_list(obj.get("type")):
                # Counts change without `updated` moving; an edit of the text also goes through the usual Update.
                await remote_demands.refresh_remote_question(parse_note(obj, followers_url=actor.followers_url), actor)
            return False
    return False


async def _apply_undo(actor: Actor, activity: Activity) -> bool:
    inner = activity.object
    refs = [id_of(inner)]
    if isinstance(inner, dict):
        refs.append(id_of(inner.get("object")))
        if ActivityType.ACCEPT in as_list(inner.get("type")) and refs[0]:
            if await demands.receive_endorsement_withdrawal(actor, refs[0]):
                return True
    for ref in refs:
        if ref is not None and await polls.receive_vote_withdrawal(actor, ref):
            return True
    return False
