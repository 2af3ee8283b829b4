"""A populated instance for page tests: members in every state, proposals (one from elsewhere), a response,
an agreement, a report, a domain policy, delivery errors and an OAuth app. Script payloads everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from fedaid.domain.agreements import offer_agreement
from fedaid.domain.categories import ensure_default_categories
from fedaid.domain.oauth import register_app
from fedaid.domain.policy import set_domain_policy
from fedaid.domain.proposals import ProposalTerms, create_proposal
from fedaid.domain.responses import respond
from fedaid.models import (
    AccountRole,
    AccountState,
    Actor,
    ActorType,
    Delivery,
    DomainHealth,
    Follow,
    FollowState,
    OAuthApp,
    PolicyKind,
    Post,
    Proposal,
    ProposalPurpose,
    Report,
    Visibility,
)
from tests.web.helpers import make_member

XSS = '<script>window.__xss=1;alert(1)</script><img src=x onerror="window.__xss=2;alert(2)">'


@dataclass
class SiteData:
    proposal: Proposal
    remote_proposal: Proposal
    oauth_app: OAuthApp
    oauth_redirect: str


async def populate(base_url: str) -> SiteData:
    """Fill the active database of the instance at `base_url`."""
    await ensure_default_categories()
    ana = (await make_member(base_url, "ana", role=AccountRole.ADMIN, display_name=f"Ana {XSS}")).actor
    bea = (await make_member(base_url, "bea", display_name="Béa")).actor
    await make_member(base_url, "cleo", state=AccountState.PENDING)
    await make_member(base_url, "dan", state=AccountState.SUSPENDED)
    proposal = await create_proposal(
        ana,
        ProposalTerms(
            purpose=ProposalPurpose.OFFER,
            title=f"Relecture de devis {XSS}",
            text=f"Je relis vos devis. {XSS} #devis",
            category="communication",
            tags=["devis"],
            hours=Decimal("2.5"),
            place_name="Lyon",
            remote_ok=True,
            expires_at=datetime.now(UTC) + timedelta(days=30),
        ),
        language="fr",
    )
    reply = await respond(proposal, bea, f"Avec plaisir {XSS}", language="fr")
    await offer_agreement(proposal, bea, hours=Decimal("1.5"), response=reply)
    remote = await _remote_proposal()
    await Report.create(
        ap_id="https://elsewhere.example/reports/1",
        reporter=remote.post.author,
        target=bea,
        comment=f"Spam? {XSS}",
        post_ap_ids=["https://elsewhere.example/notes/1"],
    )
    await set_domain_policy("spam.example", PolicyKind.BLOCK, reason=f"Spam {XSS}")
    await DomainHealth.create(
        host="down.example",
        failure_days=["2026-01-01", "2026-01-02"],
        last_error=f"timeout {XSS}",
        last_failure_at=datetime.now(UTC),
    )
    await Delivery.create(
        activity_id="https://x/1",
        payload="{}",
        sender=ana,
        inbox="https://down.example/inbox",
        host="down.example",
        next_attempt_at=datetime.now(UTC),
        attempts=3,
        last_status=503,
        last_error=f"503 {XSS}",
    )
    redirect = "http://127.0.0.1:9/callback"
    oauth_app, _ = await register_app(f"Toot {XSS}", redirect, "read write", address="127.0.0.1")
    return SiteData(proposal, remote, oauth_app, redirect)


async def _remote_proposal() -> Proposal:
    """A proposal from an allied collective elsewhere, with hostile HTML in every field."""
    group = await Actor.create(
        ap_id="https://elsewhere.example/c/coop",
        type=ActorType.GROUP,
        username="coop",
        domain="elsewhere.example",
        name=f"Coop {XSS}",
        inbox="https://elsewhere.example/c/coop/inbox",
    )
    author = await Actor.create(
        ap_id="https://elsewhere.example/u/zoe",
        type=ActorType.PERSON,
        username="zoe",
        domain="elsewhere.example",
        name=f"Zoé {XSS}",
        inbox="https://elsewhere.example/u/zoe/inbox",
        url="https://elsewhere.example/@zoe",
    )
    here = await Actor.filter(is_local=True, type=ActorType.GROUP).first()
    await Follow.create(follower=group, target=here, state=FollowState.ACCEPTED)
    await Follow.create(follower=here, target=group, state=FollowState.ACCEPTED)
    post = await Post.create(
        id=1,
        ap_id="https://elsewhere.example/u/zoe/notes/1",
        author=author,
        is_local=False,
        content=f'<p>Besoin d\'aide {XSS}<a href="javascript:alert(3)">lien</a></p>',
        visibility=Visibility.PUBLIC,
        published_at=datetime.now(UTC) - timedelta(hours=1),
        audience=group.ap_id,
    )
    return await Proposal.create(
        post=post,
        purpose=ProposalPurpose.REQUEST,
        title=f"Aide compta {XSS}",
        category="",
        tags=["compta"],
        hours=Decimal(3),
        available_hours=Decimal(3),
    )


def seeds(data: SiteData) -> list[str]:
    """Where a crawl of the populated site starts: every kind of page, an OAuth consent and a 404."""
    authorize = "/oauth/authorize?" + urlencode(
        {
            "client_id": data.oauth_app.client_id,
            "response_type": "code",
            "redirect_uri": data.oauth_redirect,
            "scope": "read write",
            "state": "xyz",
        }
    )
    return [
        "/",
        "/about",
        "/search?q=devis",
        "/signin",
        "/signup",
        "/c/drivers",
        "/u/ana",
        "/u/bea",
        f"/proposals/{data.proposal.id}",
        f"/proposals/{data.remote_proposal.id}",
        "/feed.atom",
        "/categories/communication/feed.atom",
        "/u/ana/feed.atom",
        "/proposals/new?purpose=request",
        f"/proposals/{data.proposal.id}/edit",
        "/agreements",
        "/notifications",
        "/settings",
        "/admin",
        "/admin/members",
        "/admin/federation",
        "/admin/reports",
        "/admin/deliveries",
        "/admin/collective",
        authorize,
        "/no/such/page",
        "/?purpose=offer&category=communication&tag=devis&place=Lyon&remote=on",
    ]
