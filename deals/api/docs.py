"""What the OpenAPI schema says about each endpoint beyond what DRF can infer: the multipart
and raw-body requests, every answer and the error shapes with examples. Kept apart so the views
stay short.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)

from deals import messages
from deals.api.serializers import (
    CheckOkSerializer,
    ErrorSerializer,
    ReportSerializer,
    UploadInputSerializer,
    UploadOkSerializer,
    UploadSerializer,
)
from deals.models import Upload


def error(name: str, description: str, desc_example: str) -> OpenApiResponse:
    return OpenApiResponse(
        ErrorSerializer,
        description=description,
        examples=[OpenApiExample(name, value={"Status": "Error", "Desc": desc_example})],
    )


SERVICE_DOWN = error("database down", "The database is unreachable.", messages.DATABASE_DOWN)

deals_get = extend_schema(
    tags=["deals"],
    summary="The top-five report",
    description="The five customers who spent the most and, for each, the gems they share with the others of "
    "the five. The `X-Upload-Id` header names the upload (GET /api/uploads/) the report reflects.",
    responses={200: ReportSerializer, 503: SERVICE_DOWN},
)

# The raw body: the CSV itself, plain or compressed, in whatever media type the client names.
RAW_BODY = {media_type: OpenApiTypes.BINARY for media_type in ("text/csv", "application/octet-stream")}
RAW_BODY_HOW = (
    "The body is the CSV itself (`curl -T deals.csv URL`, `curl -T - URL` from a pipe, or "
    "`curl --data-binary @deals.csv -H 'Content-Type: text/csv' URL`), with or without a Content-Length: "
    "the charset parameter of its Content-Type wins over detection, and `Content-Encoding: gzip` or `zstd` "
    "is undone (gzip and zstd are also recognised by their first bytes)."
)
BAD_LINES_EXAMPLE = {
    "Status": "Error",
    "Desc": messages.problems_summary(
        messages.at_value(2, "total", "12a", messages.NOT_WHOLE_NUMBER), count=2, listed=2, exact=True, stopped=None
    ),
    "errors": [
        {
            "line": 2,
            "column": "total",
            "value": "12a",
            "message": messages.at_value(2, "total", "12a", messages.NOT_WHOLE_NUMBER),
        },
        {"line": 9, "column": None, "value": None, "message": messages.at_line(9, messages.TOO_FEW_VALUES)},
    ],
    "error_count": 2,
    "error_count_exact": True,
}
UPLOAD_RESPONSES = {
    200: OpenApiResponse(
        PolymorphicProxySerializer(
            component_name="UploadAnswer",
            serializers=[UploadOkSerializer, CheckOkSerializer],
            resource_type_field_name=None,
        ),
        description="Loaded and published (UploadOk), or, with ?check=1, checked and nothing published (CheckOk).",
    ),
    400: OpenApiResponse(
        ErrorSerializer,
        description="The request or the file is not acceptable; nothing changed. A file with bad lines is checked "
        "to its end and every bad line is listed in `errors`.",
        examples=[
            OpenApiExample(
                "bad value",
                value={
                    "Status": "Error",
                    "Desc": messages.at_value(2, "total", "12a", messages.NOT_WHOLE_NUMBER),
                },
            ),
            OpenApiExample("several bad lines", value=BAD_LINES_EXAMPLE),
        ],
    ),
    401: error("no token", "DEALS_UPLOAD_TOKEN is set and the request lacks its token.", messages.TOKEN_REQUIRED),
    403: error("cross-site", "A browser sent it from another site's page; nothing changed.", messages.CROSS_SITE),
    408: error(
        "client idle",
        "The client sent nothing for DEALS_UPLOAD_IDLE_SECONDS; the upload was abandoned.",
        messages.client_idle(60),
    ),
    409: error(
        "busy",
        "The upload could not publish in time: another upload was publishing for longer than "
        "DEALS_PUBLISH_WAIT_SECONDS, or a lock on the deals tables was held for longer than "
        "DEALS_PUBLISH_LOCK_TIMEOUT_MS.",
        messages.BUSY,
    ),
    411: error(
        "no length",
        "A multipart form sent without a Content-Length (chunked); a raw body may come without one.",
        messages.MULTIPART_LENGTH_REQUIRED,
    ),
    413: error(
        "too large",
        "The file is over DEALS_MAX_UPLOAD_BYTES (or, decompressed, DEALS_MAX_CSV_BYTES).",
        messages.too_large(2147483648),
    ),
    429: error(
        "too many uploads",
        "Over DEALS_UPLOAD_RATE for the client's address; `Retry-After` says when to try again.",
        messages.too_many_uploads("30/hour", 120),
    ),
    503: error(
        "no upload slot",
        "The database is unreachable (or cancelled the load, or ran out of a resource), or this worker "
        "already runs DEALS_UPLOADS_PER_WORKER uploads; the Retry-After header says when to try again.",
        messages.NO_UPLOAD_SLOT,
    ),
    507: error("disk full", "The database has no disk space left.", messages.DISK_FULL),
}


CHECK_PARAMETER = OpenApiParameter(
    "check",
    OpenApiTypes.BOOL,
    OpenApiParameter.QUERY,
    description="1: read and check the whole file exactly as an upload would, with the same errors, and publish "
    "nothing (the report, its cache and ETag stay as they are); recorded in the history as a check.",
)


def upload(*, parameters=(), **operation):
    """An upload operation: every one answers like the others, and takes ?check=1."""
    return extend_schema(
        tags=["deals"], responses=UPLOAD_RESPONSES, parameters=[*parameters, CHECK_PARAMETER], **operation
    )


deals_post = upload(
    summary="Replace the dataset with a deals.csv",
    description="A multipart form with the file in the field `deals`, or, with any other Content-Type, the "
    f"file itself as the body. {RAW_BODY_HOW} Either the whole file becomes the dataset or nothing changes.",
    request={"multipart/form-data": UploadInputSerializer, **RAW_BODY},
)

deals_put = upload(
    operation_id="api_deals_put",
    summary="Replace the dataset with a deals.csv sent as the body",
    description=f"The same upload as POST. {RAW_BODY_HOW} The history records no file name; "
    "PUT /api/deals/{file_name} records one.",
    request={**RAW_BODY, "multipart/form-data": UploadInputSerializer},
)

deals_put_named = upload(
    operation_id="api_deals_file_put",
    summary="Replace the dataset with a deals.csv sent as the body, under its name",
    description=f"The same upload as PUT /api/deals/; the upload history records `file_name`. {RAW_BODY_HOW} "
    "`curl -T deals.csv http://host/api/deals/` sends exactly this request (curl appends the file's name to a "
    "URL that ends in /).",
    parameters=[
        OpenApiParameter(
            "file_name",
            OpenApiTypes.STR,
            OpenApiParameter.PATH,
            description="The file's name, as the upload history will show it (any single path segment).",
        )
    ],
    request=RAW_BODY,
)

# The root only links to the endpoints; the schema documents them, not the index.
not_an_endpoint = extend_schema(exclude=True)

uploads_list = extend_schema(
    tags=["uploads"],
    summary="Upload history, newest first",
    parameters=[
        OpenApiParameter(
            "status",
            str,
            enum=Upload.Status.values,
            description="Only the attempts with this status (running: in progress).",
        )
    ],
    responses={
        401: error(
            "no token", "DEALS_UPLOAD_TOKEN is set and the request lacks its token.", messages.READ_TOKEN_REQUIRED
        )
    },
)
upload_detail = extend_schema(
    tags=["uploads"],
    summary="One upload attempt, with its progress while it runs",
    responses={
        200: UploadSerializer,
        401: error(
            "no token", "DEALS_UPLOAD_TOKEN is set and the request lacks its token.", messages.READ_TOKEN_REQUIRED
        ),
    },
)


class TokenScheme(OpenApiAuthenticationExtension):
    """The shared token (deals/api/permissions.py) as an OpenAPI security scheme.

    An operation lists it only when its view's permission asks for the token for that method, and
    always beside "no authentication": the token is needed only when the server sets one.
    """

    target_class = "deals.api.permissions.TokenChallenge"
    name = "uploadToken"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <DEALS_UPLOAD_TOKEN>`; needed only when the server sets DEALS_UPLOAD_TOKEN.",
        }

    def get_security_requirement(self, auto_schema) -> list[dict] | None:
        permissions = auto_schema.view.get_permissions()
        if not any(getattr(p, "protects", lambda method: False)(auto_schema.method) for p in permissions):
            return None
        return [{self.name: []}, {}]
