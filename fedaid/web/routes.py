"""Every HTML page's route, and the files and feeds beside them; `create_app` adds them.

Which list a route is in is its policy: the routes of `page_routes()` read the session cookie and check the
CSRF token of every unsafe method (`web.sessions.PageRoutes`); feeds and static files read neither.
"""

from __future__ import annotations

from aiohttp import web

from fedaid.web import (
    account,
    admin,
    agreements,
    auth,
    calendars,
    canonical,
    circles,
    coaching,
    collective,
    demands,
    home,
    mail_settings,
    media_files,
    mentoring,
    oauth,
    proposals,
    recovery,
    reports,
    security,
    settings,
    site,
    sorting,
    suspensions,
)


def public_files() -> list[web.AbstractRouteDef]:
    """Static files, the Atom feeds and one-click unsubscribing: the same for everyone, no session, no cookie."""
    return [
        *site.static_routes(),
        web.get("/feed.atom", home.home_feed),
        web.get("/theme.css", collective.theme_css),
        web.get("/categories/{slug}/feed.atom", home.category_feed),
        web.get("/u/{name}/feed.atom", home.member_feed),
        web.get("/tags/{tag:[^/.]+}.atom", home.tag_feed),
        web.get("/circles/{slug}/calendar.ics", calendars.circle_calendar),
        web.get("/calendar/{token}.ics", calendars.member_calendar),
        # The link is its own proof, posted by mail clients without a session (RFC 8058 one-click): no CSRF token.
        web.post(r"/unsubscribe/{account}/{groups}/{token}", mail_settings.unsubscribe_post),
    ]


def page_routes() -> list[web.AbstractRouteDef]:
    """People's pages: signed in by the session cookie, every form checked for its CSRF token."""
    return [
        # public
        web.get("/", canonical.redirects(home.show_home, canonical.collective)),
        web.get("/about", canonical.redirects(collective.show_about, canonical.collective)),
        web.get("/search", collective.show_search),
        web.get("/tags/{tag:[^/.]+}", home.show_tag),
        web.get("/circles", circles.show_circles),
        web.get("/circles/{slug}", canonical.redirects(circles.show_circle, canonical.circle)),
        web.get(r"/sessions/{session_id:\d+}", canonical.redirects(coaching.show_remote_session, canonical.session)),
        web.get(r"/proposals/{id:\d+}", canonical.redirects(proposals.show_proposal, canonical.proposal)),
        web.get(r"/posts/{id:\d+}", canonical.redirects(proposals.go_to_post, canonical.post)),
        web.get("/media/{key}", media_files.serve_media_file),
        *demands.routes(),
        # signing up and in
        web.get("/signin", auth.show_sign_in),
        web.post("/signin", auth.sign_in_post),
        web.post("/signout", auth.sign_out_post),
        web.get(r"/unsubscribe/{account}/{groups}/{token}", mail_settings.show_unsubscribe),
        web.get("/unsubscribed", mail_settings.show_unsubscribed),
        web.get("/signup", auth.show_sign_up),
        web.post("/signup", auth.sign_up_post),
        web.post("/language", auth.switch_language),
        web.get("/confirm/{token}", auth.confirm_email_link),
        web.get("/reset", recovery.show_reset_request),
        web.post("/reset", recovery.reset_request_post),
        web.get("/reset/{token}", recovery.show_reset_form),
        web.post("/reset/{token}", recovery.reset_post),
        # members
        web.get("/report", reports.show_report_form),
        web.post("/report", reports.report_post),
        web.get("/proposals/new", proposals.new_proposal_form),
        web.post("/proposals/new", proposals.new_proposal_post),
        web.get(r"/proposals/{id:\d+}/edit", proposals.edit_proposal_form),
        web.post(r"/proposals/{id:\d+}/edit", proposals.edit_proposal_post),
        web.post(r"/proposals/{id:\d+}/close", proposals.close_proposal_post),
        web.post(r"/proposals/{id:\d+}/responses", agreements.respond_post),
        web.post(r"/proposals/{id:\d+}/responses/{response_id:\d+}/agree", agreements.agree_to_response_post),
        web.get("/agreements", agreements.list_mine),
        web.post(r"/agreements/{id:\d+}/accept", agreements.accept_post),
        web.post(r"/agreements/{id:\d+}/reject", agreements.reject_post),
        web.post(r"/agreements/{id:\d+}/cancel", agreements.cancel_post),
        web.post(r"/agreements/{id:\d+}/confirm", agreements.confirm_post),
        web.post(r"/proposals/{id:\d+}/mentoring", mentoring.propose_post),
        web.post(r"/agreements/{id:\d+}/meetings/{meeting_id:\d+}/confirm", mentoring.confirm_meeting_post),
        *_circle_forms(),
        web.get("/settings/calendar", calendars.show_calendar_settings),
        web.post("/settings/calendar", calendars.renew_calendar_post),
        web.get("/notifications", settings.show_notifications),
        web.post("/notifications/read", settings.read_notifications),
        web.get("/settings", settings.show_settings),
        web.post("/settings/profile", settings.save_profile),
        web.get("/settings/mail", mail_settings.show_mail_settings),
        web.post("/settings/mail", mail_settings.save_mail_settings),
        web.post("/settings/alerts", settings.add_alert_post),
        web.post(r"/settings/alerts/{id:\d+}/delete", settings.remove_alert_post),
        web.get("/settings/account", account.show_account),
        web.post("/settings/account/delete", account.delete_account_post),
        web.get("/settings/export.json", account.export_json),
        web.get("/settings/export/{table}.csv", account.export_csv),
        web.get("/settings/security", security.show_security),
        web.post("/settings/password", security.change_password_post),
        web.post(r"/settings/sessions/{id:\d+}/end", security.end_session_post),
        web.post("/settings/sessions/end-all", security.end_all_sessions_post),
        web.post(r"/settings/apps/{id:\d+}/revoke", security.revoke_app_post),
        web.get("/oauth/authorize", oauth.show_authorize),
        web.post("/oauth/authorize", oauth.answer_authorize),
        # admins
        web.get("/admin", admin.admin_home),
        web.get("/admin/members", admin.show_members),
        web.post(r"/admin/members/{id:\d+}/{action}", admin.member_action),
        web.post("/admin/invites", admin.create_invite_post),
        web.get("/admin/federation", admin.show_federation),
        web.post("/admin/alliances", admin.request_alliance_post),
        web.post(r"/admin/alliances/{id:\d+}/{action}", admin.alliance_action),
        web.post("/admin/policies", admin.set_policy_post),
        web.post("/admin/policies/clear", admin.clear_policy_post),
        web.post("/admin/suspensions", suspensions.confirm_post),
        web.get("/admin/audit", suspensions.show_audit_log),
        web.get("/admin/sorting", sorting.show_sorting),
        web.post(r"/admin/sorting/{id:\d+}", sorting.sort_post),
        web.get("/admin/reports", reports.show_reports),
        web.post(r"/admin/reports/{id:\d+}/{action}", reports.report_action),
        web.get("/admin/deliveries", admin.show_deliveries),
        web.get("/admin/collective", admin.show_collective_settings),
        web.get("/admin/circles", circles.admin_circles),
        web.post("/admin/circles", circles.admin_create_circle_post),
        web.post("/admin/collective", admin.save_collective_settings),
        web.post("/admin/collective/theme", admin.save_theme_post),
    ]


def _circle_forms() -> list[web.AbstractRouteDef]:
    """Joining circles and sessions, attendance, follow-up, and the facilitators' tools."""
    session = r"/c/{name}/events/{session_id:\d+}"
    remote = r"/sessions/{session_id:\d+}"
    return [
        web.post("/circles/{slug}/join", circles.join_circle_post),
        web.post("/circles/{slug}/leave", circles.leave_circle_post),
        web.post(r"/circles/{slug}/requests/{id:\d+}/{action:approve|reject}", circles.answer_request_post),
        web.post("/circles/{slug}/sessions", circles.schedule_post),
        *(
            web.post(f"{prefix}/{verb}", handler)
            for prefix in (session, remote)
            for verb, handler in (
                ("join", coaching.join_post),
                ("leave", coaching.leave_post),
                ("attended", coaching.attended_post),
            )
        ),
        web.post(f"{session}/participants/{{participation_id:\\d+}}/confirm", coaching.confirm_participant_post),
        web.post(f"{session}/participants/{{participation_id:\\d+}}/{{action:accept|reject}}", coaching.answer_post),
        web.post(f"{session}/move", coaching.move_post),
        web.post(f"{session}/capacity", coaching.capacity_post),
        web.post(f"{session}/media", coaching.media_post),
        web.post(f"{session}/cancel", coaching.cancel_post),
        web.post(f"{session}/follow-up", coaching.follow_up_post),
    ]
