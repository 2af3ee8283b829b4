"""Tortoise models only: rows and their constraints, no HTTP or AS2."""

from fedaid.models.account import Account, AccountRole, AccountState, Invite
from fedaid.models.actor import Actor, ActorType
from fedaid.models.agreement import Agreement, AgreementState
from fedaid.models.alert_subscription import AlertSubscription
from fedaid.models.category import Category, CategoryFamily
from fedaid.models.collective_page import CollectivePage
from fedaid.models.delivery import Delivery, DeliveryState, DomainHealth
from fedaid.models.domain_policy import DomainPolicy, PolicyKind
from fedaid.models.exchange import Exchange
from fedaid.models.favourite import Favourite
from fedaid.models.follow import Follow, FollowState
from fedaid.models.inbox_item import InboxItem, InboxState
from fedaid.models.marker import Marker, MarkerTimeline
from fedaid.models.media import MediaAttachment, MediaKind, MediaState, WorkItem, WorkKind, WorkState
from fedaid.models.notification import Notification, NotificationKind
from fedaid.models.oauth import OAuthApp, OAuthCode, OAuthToken
from fedaid.models.post import Post, PostTag, Visibility
from fedaid.models.post_edit import PostEdit
from fedaid.models.proposal import Proposal, ProposalPurpose, ProposalStatus
from fedaid.models.reblog import Reblog
from fedaid.models.report import Report

__all__ = [
    "Account",
    "AccountRole",
    "AccountState",
    "Actor",
    "ActorType",
    "Agreement",
    "AgreementState",
    "AlertSubscription",
    "Category",
    "CategoryFamily",
    "CollectivePage",
    "Delivery",
    "DeliveryState",
    "DomainHealth",
    "DomainPolicy",
    "Exchange",
    "Favourite",
    "Follow",
    "FollowState",
    "InboxItem",
    "InboxState",
    "Invite",
    "Marker",
    "MarkerTimeline",
    "MediaAttachment",
    "MediaKind",
    "MediaState",
    "Notification",
    "NotificationKind",
    "OAuthApp",
    "OAuthCode",
    "OAuthToken",
    "PolicyKind",
    "Post",
    "PostEdit",
    "PostTag",
    "Proposal",
    "ProposalPurpose",
    "ProposalStatus",
    "Reblog",
    "Report",
    "Visibility",
    "WorkItem",
    "WorkKind",
    "WorkState",
]
