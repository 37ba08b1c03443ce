"""What the OpenAPI schema says about each endpoint beyond what DRF can infer: the multipart
request, every answer and the error shapes with examples. Kept apart so the views stay short.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema

from deals import messages
from deals.api.serializers import ErrorSerializer, ReportSerializer, UploadInputSerializer, UploadOkSerializer


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

deals_post = extend_schema(
    tags=["deals"],
    summary="Replace the dataset with a deals.csv",
    description="Multipart form with the file in the field `deals`. Either the whole file becomes the dataset "
    "or nothing changes.",
    request={"multipart/form-data": UploadInputSerializer},
    responses={
        200: UploadOkSerializer,
        400: error(
            "bad value",
            "The request or the file is not acceptable; nothing changed.",
            messages.at_value(2, "total", "12a", messages.NOT_WHOLE_NUMBER),
        ),
        401: error("no token", "DEALS_UPLOAD_TOKEN is set and the request lacks its token.", messages.TOKEN_REQUIRED),
        403: error("cross-site", "A browser sent it from another site's page; nothing changed.", messages.CROSS_SITE),
        409: error(
            "busy",
            "The upload could not publish in time: another upload was publishing for longer than "
            "DEALS_PUBLISH_WAIT_SECONDS, or a lock on the deals tables was held for longer than "
            "DEALS_PUBLISH_LOCK_TIMEOUT_MS.",
            messages.BUSY,
        ),
        413: error("too large", "The file is over DEALS_MAX_UPLOAD_BYTES.", messages.too_large(2147483648)),
        429: error(
            "too many uploads",
            "Over DEALS_UPLOAD_RATE for the client's address; `Retry-After` says when to try again.",
            messages.too_many_uploads("30/hour", 120),
        ),
        503: SERVICE_DOWN,
    },
)

# The root only links to the endpoints; the schema documents them, not the index.
not_an_endpoint = extend_schema(exclude=True)

uploads_list = extend_schema(
    tags=["uploads"],
    summary="Upload history, newest first",
    responses={
        401: error(
            "no token", "DEALS_UPLOAD_TOKEN is set and the request lacks its token.", messages.READ_TOKEN_REQUIRED
        )
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
