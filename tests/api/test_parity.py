"""Every action of the pages has an API operation, or a reason to live in the browser only."""

# The page's endpoint (a POST) -> the API operation doing the same thing.
PARITY = {
    "admin.council": "api.edit_council",
    "admin.councils": "api.create_council",
    "admin.invitations": "api.create_invitation",
    "admin.revoke_invitation": "api.revoke_invitation",
    "admin.user": "api.edit_user",
    "amendments.add_change": "api.edit_amendment",  # `operations` replaces the changes
    "amendments.discuss": "api.comment_on_amendment",
    "amendments.edit": "api.edit_amendment",
    "amendments.endorse": "api.endorse_amendment",
    "amendments.preview": "api.preview_amendment",
    "amendments.propose": "api.propose_amendment",
    "amendments.remove_change": "api.edit_amendment",
    "amendments.retract": "api.retract_endorsement",
    "amendments.review": "api.review_amendment",
    "amendments.submit": "api.submit_amendment",
    "amendments.withdraw": "api.withdraw_amendment",
    "consultation.delete": "api.delete_comment",
    "consultation.dismiss": "api.dismiss_flags",
    "consultation.edit": "api.edit_comment",
    "consultation.flag": "api.flag_comment",
    "consultation.hide": "api.hide_comment",
    "consultation.reply": "api.reply_to_comment",
    "consultation.restore": "api.restore_comment",
    "consultation.section": "api.comment_on_section",
    "drafting.decision": "api.record_decision",
    "drafting.direct_edit": "api.edit_draft",
    "drafting.merge_workspace": "api.merge_amendments",
    "drafting.publish": "api.publish_version",
    "notifications.follow": "api.follow",
    "notifications.unfollow": "api.unfollow",
    "process.advance": "api.advance_stage",
    "process.back": "api.step_back_stage",
    "process.edit": "api.edit_stage",
    "questions.close_question": "api.close_question",
    "questions.create": "api.create_question",
    "questions.delete_theme": "api.delete_theme",
    "questions.edit": "api.edit_question",
    "questions.move_down": "api.move_question",
    "questions.move_up": "api.move_question",
    "questions.open_question": "api.open_question",
    "questions.question": "api.answer_question",
    "questions.rename_theme": "api.rename_theme",
    "questions.themes": "api.create_theme",
    "translating.edit": "api.translate_section",
    "webhooks.activate": "api.edit_webhook",  # {"active": true}
    "webhooks.deactivate": "api.edit_webhook",  # {"active": false}
    "webhooks.delete": "api.delete_webhook",
    "webhooks.index": "api.create_webhook",
    "webhooks.retry": "api.retry_delivery",
}

# What a person does for themselves, in a browser: no token is needed or wanted for it.
BROWSER_ONLY = {
    "accounts.login": "signing in opens a browser session; the API takes tokens",
    "accounts.logout": "signing out ends a browser session",
    "accounts.request_reset": "a password reset is mailed to the person, who acts in a browser",
    "accounts.reset_password": "the reset link from the e-mail opens in a browser",
    "accounts.accept_invitation": "the invited person chooses a password from the e-mailed link",
    "accounts.account": "one's own profile, edited signed in",
    "accounts.change_password": "one's own password, which a token must never change",
    "accounts.second_factor": "the second step of signing in to a browser session",
    "accounts.second_factor_setup": "set up during a browser sign-in, with a phone at hand",
    "accounts.two_factor_page": "one's own second factor, which a token must never change",
    "accounts.renew_recovery_codes": "one's own recovery codes, shown once in the browser",
    "accounts.two_factor_off": "one's own second factor, which a token must never turn off",
    "admin.reset_two_factor": "a person's lost phone is settled by the secretariat in person",
    "api_tokens.create": "tokens are made signed in, so a leaked token cannot breed more",
    "api_tokens.revoke": "one's own tokens, managed on one's account page",
    "i18n.choose_for_account": "one's own language for the pages and e-mails",
    "notifications.mark_all_read": "one's own notification list on the site",
    "notifications.preferences": "one's own e-mail preferences",
    "notifications.unsubscribe": "the unsubscribe link of an e-mail",
    "notifications.one_click": "the one-click unsubscribe of mail clients (RFC 8058)",
}

# Page actions whose operation is still to be written, with who writes it.
MISSING: dict[str, str] = {}


def page_actions(app) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and not rule.endpoint.startswith("api.")
    }


def test_every_page_action_has_an_api_operation_or_a_reason(app):
    unaccounted = page_actions(app) - PARITY.keys() - BROWSER_ONLY.keys() - MISSING.keys()
    assert not unaccounted, f"Map these to an API operation, or say why not: {unaccounted}"
    assert not PARITY.keys() & BROWSER_ONLY.keys()


def test_the_lists_name_only_what_exists(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    actions = page_actions(app)
    assert set(PARITY.values()) <= endpoints, set(PARITY.values()) - endpoints
    for listed in (PARITY, BROWSER_ONLY, MISSING):
        assert listed.keys() <= actions, listed.keys() - actions
