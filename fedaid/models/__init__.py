"""Tortoise models only: rows and their constraints, no HTTP or AS2."""

from fedaid.models.account import Account, AccountRole, AccountState, AccountToken, Invite, TokenPurpose
from fedaid.models.actor import Actor, ActorType, GroupKind
from fedaid.models.agreement import Agreement, AgreementState
from fedaid.models.alert_subscription import AlertSubscription
from fedaid.models.category import Category, CategoryFamily
from fedaid.models.circle import Circle, CircleFacilitator
from fedaid.models.coaching_session import (
    CalendarToken,
    CoachingSession,
    Frequency,
    JoinMode,
    Participation,
    ParticipationState,
    SessionSeries,
    SessionStatus,
)
from fedaid.models.collective_page import CollectivePage
from fedaid.models.delivery import Delivery, DeliveryState, DomainHealth
from fedaid.models.demand import Demand, DemandCosigner, DemandStatus, DemandStatusChange
from fedaid.models.domain_policy import DomainPolicy, PolicyKind
from fedaid.models.exchange import ConfirmationWay, Exchange
from fedaid.models.favourite import Favourite
from fedaid.models.follow import Follow, FollowState
from fedaid.models.inbox_item import InboxItem, InboxState
from fedaid.models.marker import Marker, MarkerTimeline
from fedaid.models.media import MediaAttachment, MediaKind, MediaState, WorkItem, WorkKind, WorkState
from fedaid.models.mentoring import MentoringMeeting, Mentorship
from fedaid.models.notification import Notification, NotificationKind
from fedaid.models.oauth import OAuthApp, OAuthCode, OAuthToken
from fedaid.models.outbound_job import JobChannel, JobState, OutboundJob, PushSubscription, VapidKey
from fedaid.models.poll import Poll, PollVote
from fedaid.models.post import Post, PostMention, PostTag, Visibility
from fedaid.models.post_edit import PostEdit
from fedaid.models.proposal import Proposal, ProposalPurpose, ProposalStatus
from fedaid.models.rate_limit import RateLimit
from fedaid.models.reblog import Reblog
from fedaid.models.report import AdminAction, Report, ReportCategory
from fedaid.models.reported_ledger import ReportedLedgerEntry
from fedaid.models.web_session import WebSession

__all__ = [
    "Account",
    "AdminAction",
    "AccountRole",
    "AccountState",
    "AccountToken",
    "Actor",
    "ActorType",
    "Agreement",
    "AgreementState",
    "AlertSubscription",
    "CalendarToken",
    "Category",
    "CategoryFamily",
    "Circle",
    "CircleFacilitator",
    "CoachingSession",
    "CollectivePage",
    "Delivery",
    "DeliveryState",
    "Demand",
    "DemandCosigner",
    "DemandStatus",
    "DemandStatusChange",
    "DomainHealth",
    "DomainPolicy",
    "ConfirmationWay",
    "Exchange",
    "Favourite",
    "Follow",
    "FollowState",
    "Frequency",
    "GroupKind",
    "InboxItem",
    "InboxState",
    "Invite",
    "JobChannel",
    "JobState",
    "JoinMode",
    "Marker",
    "MarkerTimeline",
    "MediaAttachment",
    "MediaKind",
    "MediaState",
    "MentoringMeeting",
    "Mentorship",
    "Notification",
    "NotificationKind",
    "OAuthApp",
    "OAuthCode",
    "OAuthToken",
    "OutboundJob",
    "Participation",
    "ParticipationState",
    "PolicyKind",
    "Poll",
    "PollVote",
    "Post",
    "PostEdit",
    "PostMention",
    "PostTag",
    "Proposal",
    "ProposalPurpose",
    "ProposalStatus",
    "PushSubscription",
    "RateLimit",
    "Reblog",
    "Report",
    "ReportedLedgerEntry",
    "ReportCategory",
    "SessionSeries",
    "SessionStatus",
    "TokenPurpose",
    "VapidKey",
    "Visibility",
    "WebSession",
    "WorkItem",
    "WorkKind",
    "WorkState",
]
