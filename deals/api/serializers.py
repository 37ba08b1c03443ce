"""The JSON shapes of the API: what the views read and write, and what the schema documents."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from deals.models import Upload


class UploadInputSerializer(serializers.Serializer):
    deals = serializers.FileField(
        help_text="deals.csv: columns customer, item, total, quantity, date (any order; UTF-8, UTF-16 or "
        "Windows-1251, or the charset of the part's Content-Type; comma, semicolon, tab or |; "
        "plain, gzip or zstd)."
    )


class UploadOkSerializer(serializers.Serializer):
    Status = serializers.ChoiceField(choices=["OK"])
    rows = serializers.IntegerField(help_text="Deals loaded.")
    upload = serializers.IntegerField(help_text="Id of this attempt in GET /api/uploads/.")
    dataset = serializers.IntegerField(
        help_text="Number of the load this upload published (dataset.live_load; the ETag starts with it)."
    )
    live = serializers.BooleanField(
        help_text="Whether this upload's file was still the live dataset when the answer was made: uploads "
        "publish one at a time, and one that published after it has replaced it (false)."
    )


class CheckOkSerializer(serializers.Serializer):
    Status = serializers.ChoiceField(choices=["OK"])
    rows = serializers.IntegerField(help_text="Deals in the file, all of them good; none was stored.")
    checked = serializers.BooleanField(help_text="Always true: ?check=1 checked the file and published nothing.")
    upload = serializers.IntegerField(help_text="Id of this attempt in GET /api/uploads/ (status checked).")


class ProblemSerializer(serializers.Serializer):
    line = serializers.IntegerField(allow_null=True, help_text="The physical line, the header being line 1.")
    column = serializers.CharField(allow_null=True, help_text="The column at fault, if one is.")
    value = serializers.CharField(allow_null=True, help_text="The value at fault, if one is (as COPY quoted it).")
    message = serializers.CharField(help_text="The sentence, as Desc would give it for this line alone.")


class ErrorSerializer(serializers.Serializer):
    Status = serializers.ChoiceField(choices=["Error"])
    Desc = serializers.CharField(
        help_text="What is wrong, naming the line, column and value when one line is at fault; for a file with "
        "several bad lines, the first one's, then how many there are."
    )
    errors = ProblemSerializer(
        many=True,
        required=False,
        help_text="For a file with bad lines: every one of them, in file order, up to DEALS_MAX_REPORTED_ERRORS "
        "(the file is checked to its end, or to the first problem after which nothing can be read).",
    )
    error_count = serializers.IntegerField(
        required=False, help_text="How many lines are bad (at least this many when error_count_exact is false)."
    )
    error_count_exact = serializers.BooleanField(
        required=False, help_text="False when checking stopped after DEALS_MAX_COUNTED_ERRORS bad lines."
    )


class EntrySerializer(serializers.Serializer):
    username = serializers.CharField()
    spent_money = serializers.IntegerField(help_text="Sum of total over all the customer's deals.")
    gems = serializers.ListField(
        child=serializers.CharField(),
        help_text="Gems bought by this customer and at least one other of the five, in code-point order.",
    )


class ReportSerializer(serializers.Serializer):
    response = EntrySerializer(many=True, help_text="At most five, by spent_money descending, ties by username.")


class UploadSerializer(serializers.ModelSerializer):
    duration_seconds = serializers.FloatField(
        allow_null=True, read_only=True, help_text="finished_at - started_at; null while running."
    )
    phase = serializers.CharField(
        source="live_phase",
        allow_null=True,
        read_only=True,
        help_text="While running: receiving, copying (all read, COPY storing the last rows) or publishing; "
        "null once finished. Updated about once a second.",
    )
    bytes_received = serializers.IntegerField(
        source="received_bytes",
        allow_null=True,
        read_only=True,
        help_text="Bytes of the file read so far (updated about once a second); the file's size once finished.",
    )
    rows_stored = serializers.IntegerField(
        allow_null=True,
        read_only=True,
        help_text="Rows COPY has stored so far (PostgreSQL's own count, pg_stat_progress_copy, over all its "
        "streams); rows_loaded once loaded; null when not known (not started, or failed).",
    )
    elapsed_seconds = serializers.SerializerMethodField(
        help_text="Seconds since the start; the duration once finished."
    )
    errors = serializers.SerializerMethodField(
        help_text="The file's bad lines, as its answer listed them: the first DEALS_MAX_REPORTED_ERRORS in file "
        "order, each {line, column, value, message}; empty when no line was at fault."
    )
    error_count = serializers.SerializerMethodField(
        help_text="How many lines were bad (at least this many when error_count_exact is false); null when none."
    )
    error_count_exact = serializers.SerializerMethodField(
        help_text="False when checking stopped at DEALS_MAX_COUNTED_ERRORS bad lines; null when none was bad."
    )

    def get_elapsed_seconds(self, upload) -> float:
        return upload.elapsed.total_seconds()

    @extend_schema_field(ProblemSerializer(many=True))
    def get_errors(self, upload) -> list[dict]:
        return (upload.problems or {}).get("errors", [])

    def get_error_count(self, upload) -> int | None:
        return (upload.problems or {}).get("error_count")

    def get_error_count_exact(self, upload) -> bool | None:
        return (upload.problems or {}).get("error_count_exact")

    class Meta:
        model = Upload
        fields = [
            "id",
            "file_name",
            "size_bytes",
            "sha256",
            "rows_loaded",
            "load_id",
            "status",
            "check_only",
            "http_status",
            "error",
            "errors",
            "error_count",
            "error_count_exact",
            "started_at",
            "finished_at",
            "duration_seconds",
            "phase",
            "bytes_received",
            "rows_stored",
            "elapsed_seconds",
        ]
        read_only_fields = fields
