// The database schema in portable types only (BigInt, Integer, Text, Bool, Timestamp, Date).

diesel::table! {
    units (id) {
        id -> BigInt,
        parent_id -> Nullable<BigInt>,
        path -> Text,
        kind -> Text,
        code -> Text,
        name -> Text,
        address -> Nullable<Text>,
        phone -> Nullable<Text>,
        opening_hours -> Nullable<Text>,
        accessibility -> Text,
        accessibility_note -> Nullable<Text>,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    unit_targets (id) {
        id -> BigInt,
        unit_id -> BigInt,
        year -> Integer,
        consultations -> Nullable<Integer>,
        satisfaction_permille -> Nullable<Integer>,
        aid_cases -> Nullable<Integer>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        display_name -> Text,
        role -> Text,
        unit_id -> BigInt,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        token_version -> BigInt,
        staff_id -> Nullable<BigInt>,
        external_subject -> Nullable<Text>,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        user_id -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        client_address -> Nullable<Text>,
    }
}

diesel::table! {
    login_throttles (id) {
        id -> BigInt,
        scope -> Text,
        key_digest -> Text,
        failures -> Integer,
        last_failure_at -> Timestamp,
        blocked_until -> Nullable<Timestamp>,
        reported_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        occurred_at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        actor -> Text,
        role -> Nullable<Text>,
        action -> Text,
        entity -> Text,
        entity_id -> Nullable<BigInt>,
        unit_id -> Nullable<BigInt>,
        request_id -> Text,
        before_data -> Nullable<Text>,
        after_data -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
        chain_id -> BigInt,
        chain_seq -> BigInt,
        key_id -> Text,
        caller_request_id -> Nullable<Text>,
    }
}

diesel::table! {
    change_snapshots (audit_event_id) {
        audit_event_id -> BigInt,
        txid -> BigInt,
        resource -> Text,
        data -> Nullable<Text>,
    }
}

diesel::table! {
    webhooks (id) {
        id -> BigInt,
        owner_id -> BigInt,
        unit_id -> BigInt,
        url -> Text,
        types -> Text,
        secret -> Text,
        active -> Bool,
        feed_txid -> BigInt,
        feed_id -> BigInt,
        claimed_until -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        event_id -> BigInt,
        body -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        retry_until -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_chains (id) {
        id -> BigInt,
        last_seq -> BigInt,
        last_hash -> Text,
    }
}

diesel::table! {
    idempotency_keys (id) {
        id -> BigInt,
        actor -> Text,
        idem_key -> Text,
        operation -> Text,
        request_hash -> Text,
        status -> Integer,
        response_body -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(unit_targets -> units (unit_id));
diesel::joinable!(users -> units (unit_id));
diesel::joinable!(sessions -> users (user_id));

diesel::table! {
    staff (id) {
        id -> BigInt,
        unit_id -> BigInt,
        name -> Text,
        kind -> Text,
        title -> Nullable<Text>,
        licence_no -> Nullable<Text>,
        phone -> Nullable<Text>,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    duty_shifts (id) {
        id -> BigInt,
        unit_id -> BigInt,
        duty_date -> Date,
        period -> Text,
        kind -> Text,
        place -> Nullable<Text>,
        note -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    duty_shift_staff (shift_id, staff_id) {
        shift_id -> BigInt,
        staff_id -> BigInt,
    }
}

diesel::table! {
    calendar_days (day) {
        day -> Date,
        kind -> Text,
        name -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    calendar_years (year) {
        year -> Integer,
        notice -> Text,
        issued_on -> Date,
        installed_at -> Timestamp,
    }
}

diesel::table! {
    consultations (id) {
        id -> BigInt,
        unit_id -> BigInt,
        staff_id -> Nullable<BigInt>,
        duty_shift_id -> Nullable<BigInt>,
        received_at -> Timestamp,
        channel -> Text,
        site -> Text,
        place -> Nullable<Text>,
        person_name -> Nullable<Text>,
        sex -> Nullable<Text>,
        age -> Nullable<Integer>,
        age_group -> Nullable<Text>,
        birth_date -> Nullable<Date>,
        id_number -> Nullable<Text>,
        phone -> Nullable<Text>,
        special_groups -> Text,
        topics -> Text,
        question -> Text,
        answer -> Nullable<Text>,
        outcome -> Text,
        matters_count -> Integer,
        callback_consent -> Bool,
        review_state -> Text,
        review_comment -> Nullable<Text>,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        review_requested_at -> Timestamp,
        registered_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    aid_applications (id) {
        id -> BigInt,
        unit_id -> BigInt,
        centre_id -> BigInt,
        consultation_id -> Nullable<BigInt>,
        matter_category -> Text,
        case_type -> Nullable<Text>,
        opposing_party -> Nullable<Text>,
        facts -> Text,
        channel -> Text,
        hardship_check -> Text,
        hardship_ground -> Nullable<Text>,
        preferred_provider_ids -> Text,
        urgent -> Bool,
        urgent_ground -> Nullable<Text>,
        safe_contact -> Bool,
        green_channel -> Bool,
        green_reasons -> Text,
        state -> Text,
        received_at -> Timestamp,
        state_entered_at -> Timestamp,
        review_paused_days -> Integer,
        materials_due_at -> Nullable<Timestamp>,
        materials_list -> Nullable<Text>,
        decision_note -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        objection_note -> Nullable<Text>,
        objection_decision_note -> Nullable<Text>,
        termination_ground -> Nullable<Text>,
        resume_state -> Nullable<Text>,
        provider_staff_id -> Nullable<BigInt>,
        assignment_note -> Nullable<Text>,
        deadline_kind -> Nullable<Text>,
        deadline_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        closing_outcome -> Nullable<Text>,
        amount_recovered_fen -> Nullable<BigInt>,
        closing_documents -> Nullable<Text>,
        review_grade -> Nullable<Text>,
        subsidy_fen -> Nullable<BigInt>,
        reviewed_at -> Nullable<Timestamp>,
        priority -> Integer,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    aid_applicants (application_id) {
        application_id -> BigInt,
        name -> Text,
        id_number -> Text,
        birth_date -> Date,
        sex -> Text,
        age -> Integer,
        phone -> Nullable<Text>,
        address -> Nullable<Text>,
        special_groups -> Text,
        disabled -> Bool,
        guardian_name -> Nullable<Text>,
        guardian_relation -> Nullable<Text>,
        guardian_phone -> Nullable<Text>,
        safe_contact_means -> Nullable<Text>,
        safe_contact_phone -> Nullable<Text>,
    }
}

diesel::table! {
    aid_hardship_verifications (id) {
        id -> BigInt,
        application_id -> BigInt,
        method -> Text,
        result -> Text,
        note -> Nullable<Text>,
        verified_by -> Text,
        verified_at -> Timestamp,
    }
}

diesel::table! {
    follow_ups (id) {
        id -> BigInt,
        unit_id -> BigInt,
        subject_kind -> Text,
        subject_id -> BigInt,
        staff_id -> Nullable<BigInt>,
        due_on -> Date,
        method -> Text,
        status -> Text,
        failed_attempts -> Integer,
        satisfaction -> Nullable<Text>,
        comments -> Nullable<Text>,
        problem -> Nullable<Text>,
        rectification_due -> Nullable<Date>,
        rectification_done_at -> Nullable<Timestamp>,
        rectification_note -> Nullable<Text>,
        completed_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    follow_up_attempts (id) {
        id -> BigInt,
        follow_up_id -> BigInt,
        attempted_at -> Timestamp,
        reached -> Bool,
        note -> Nullable<Text>,
        recorded_by -> Text,
    }
}

diesel::table! {
    api_clients (id) {
        id -> BigInt,
        user_id -> BigInt,
        client_id -> Text,
        name -> Text,
        secret_digest -> Text,
        requests_per_minute -> Nullable<Integer>,
        secret_rotated_at -> Timestamp,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    external_refs (id) {
        id -> BigInt,
        entity -> Text,
        entity_id -> BigInt,
        owner_id -> BigInt,
        external_ref -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    inspections (id) {
        id -> BigInt,
        unit_id -> BigInt,
        kind -> Text,
        held_on -> Date,
        staff_id -> Nullable<BigInt>,
        inspectors -> Nullable<Text>,
        summary -> Nullable<Text>,
        findings -> Nullable<Text>,
        rectification_required -> Bool,
        rectification_due -> Nullable<Date>,
        rectification_done_on -> Nullable<Date>,
        rectification_done_by -> Nullable<Text>,
        rectification_note -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    inspection_units (inspection_id, unit_id) {
        inspection_id -> BigInt,
        unit_id -> BigInt,
    }
}

diesel::table! {
    inspection_checks (inspection_id, item) {
        inspection_id -> BigInt,
        item -> Text,
        passed -> Bool,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    recognitions (id) {
        id -> BigInt,
        unit_id -> BigInt,
        staff_id -> Nullable<BigInt>,
        year -> Integer,
        kind -> Text,
        reason -> Text,
        recognised_on -> Date,
        recognised_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(follow_up_attempts -> follow_ups (follow_up_id));
diesel::joinable!(follow_ups -> units (unit_id));
diesel::joinable!(aid_applicants -> aid_applications (application_id));
diesel::joinable!(aid_hardship_verifications -> aid_applications (application_id));
diesel::joinable!(consultations -> units (unit_id));
diesel::joinable!(consultations -> staff (staff_id));
diesel::joinable!(staff -> units (unit_id));
diesel::joinable!(duty_shifts -> units (unit_id));
diesel::joinable!(duty_shift_staff -> duty_shifts (shift_id));
diesel::table! {
    activities (id) {
        id -> BigInt,
        unit_id -> BigInt,
        kind -> Text,
        title -> Text,
        held_on -> Date,
        place -> Text,
        topics -> Text,
        audience -> Nullable<Text>,
        audience_size -> Integer,
        materials_count -> Integer,
        staff_ids -> Text,
        notes -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    monthly_reports (id) {
        id -> BigInt,
        unit_id -> BigInt,
        period -> Text,
        first_submitted_at -> Timestamp,
        submitted_at -> Timestamp,
        late -> Bool,
        revisions -> Integer,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    monthly_report_revisions (id) {
        id -> BigInt,
        report_id -> BigInt,
        revision -> Integer,
        submitted_at -> Timestamp,
        late -> Bool,
        submitted_by -> Text,
        figures -> Text,
        highlights -> Text,
        typical_cases -> Text,
        activity_briefs -> Text,
    }
}

diesel::joinable!(duty_shift_staff -> staff (staff_id));
diesel::joinable!(api_clients -> users (user_id));
diesel::joinable!(activities -> units (unit_id));
diesel::joinable!(monthly_reports -> units (unit_id));
diesel::joinable!(monthly_report_revisions -> monthly_reports (report_id));
diesel::joinable!(inspection_units -> inspections (inspection_id));
diesel::joinable!(inspection_checks -> inspections (inspection_id));

diesel::table! {
    aid_work_entries (id) {
        id -> BigInt,
        application_id -> BigInt,
        kind -> Text,
        done_on -> Date,
        note -> Text,
        termination_ground -> Nullable<Text>,
        provider_staff_id -> Nullable<BigInt>,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    aid_subsidy_rates (id) {
        id -> BigInt,
        year -> Integer,
        matter_category -> Text,
        grade -> Text,
        amount_fen -> BigInt,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    aid_papers (id) {
        id -> BigInt,
        application_id -> BigInt,
        issuer_unit_id -> BigInt,
        kind -> Text,
        year -> Integer,
        seq -> BigInt,
        reference -> Text,
        title -> Text,
        body -> Text,
        issuer -> Text,
        issued_at -> Timestamp,
    }
}

diesel::table! {
    aid_steps (id) {
        id -> BigInt,
        application_id -> BigInt,
        action -> Text,
        state_after -> Text,
        taken_at -> Timestamp,
        period_kind -> Nullable<Text>,
        due_date -> Nullable<Date>,
        due_at -> Nullable<Timestamp>,
        met -> Nullable<Bool>,
    }
}

diesel::joinable!(aid_work_entries -> aid_applications (application_id));
diesel::joinable!(aid_steps -> aid_applications (application_id));
diesel::joinable!(aid_papers -> aid_applications (application_id));

diesel::allow_tables_to_appear_in_same_query!(
    units,
    unit_targets,
    users,
    sessions,
    login_throttles,
    audit_events,
    audit_chains,
    change_snapshots,
    webhooks,
    webhook_deliveries,
    idempotency_keys,
    staff,
    duty_shifts,
    duty_shift_staff,
    calendar_days,
    calendar_years,
    consultations,
    aid_applications,
    aid_applicants,
    aid_hardship_verifications,
    follow_ups,
    follow_up_attempts,
    api_clients,
    external_refs,
    activities,
    monthly_reports,
    monthly_report_revisions,
    inspections,
    inspection_units,
    inspection_checks,
    recognitions,
    aid_work_entries,
    aid_subsidy_rates,
    aid_papers,
    aid_steps,
);
