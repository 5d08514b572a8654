// SPDX-License-Identifier: MIT
#include "SessionUrl.h"

#include "Protocol.h"

namespace Optiverse::Collab {

bool SessionUrl::validateServerUrl(const QString &text, QUrl *out, QString *error)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty()) {
        *error = QStringLiteral("Enter the server URL, e.g. ws://192.168.1.100:8765");
        return false;
    }
    const QUrl url(trimmed, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (scheme == QLatin1String("http") || scheme == QLatin1String("https")) {
        *error = QStringLiteral("Use a WebSocket URL: %1 instead of %2://")
                     .arg(scheme == QLatin1String("http") ? QStringLiteral("ws://") : QStringLiteral("wss://"), scheme);
        return false;
    }
    if (!url.isValid() || (scheme != QLatin1String("ws") && scheme != QLatin1String("wss"))) {
        *error = QStringLiteral("\"%1\" is not a WebSocket URL; expected ws://HOST:PORT").arg(trimmed.left(200));
        return false;
    }
    if (url.host().isEmpty()) {
        *error = QStringLiteral("The URL has no host; expected ws://HOST:PORT");
        return false;
    }
    if (url.port() <= 0) {
        *error = QStringLiteral("The URL has no port; the default is %1 (ws://%2:%1)")
                     .arg(Protocol::DefaultPort).arg(url.host());
        return false;
    }
    *out = url;
    return true;
}

bool SessionUrl::parseJoinUrl(const QString &text, QUrl *server, QString *session, QString *user, QString *error)
{
    QUrl url;
    if (!validateServerUrl(text, &url, error))
        return false;
    const QString expected = QStringLiteral("expected ws://HOST:PORT, ws://HOST:PORT/ws/SESSION or "
                                            "ws://HOST:PORT/ws/SESSION/USER");
    if (!url.userInfo().isEmpty()) {
        *error = QStringLiteral("The URL must not carry a user name or password; %1").arg(expected);
        return false;
    }
    if (url.hasQuery() || url.hasFragment()) {
        *error = QStringLiteral("The URL must not have a query (?…) or fragment (#…); %1").arg(expected);
        return false;
    }
    // Segments of the encoded path, decoded one by one: a name may hold an
    // encoded character, never a separator.
    QString path = url.path(QUrl::FullyEncoded);
    if (path.endsWith(QLatin1Char('/')))
        path.chop(1); // as pasted from a browser or chat
    QStringList parts = path.split(QLatin1Char('/'));
    parts.removeFirst(); // before the leading '/', or the whole empty path
    QString s, u;
    if (!parts.isEmpty()) {
        if (parts.constFirst() != QLatin1String("ws") || parts.size() > 3) {
            *error = QStringLiteral("\"%1\" is not a session path; %2").arg(url.path().left(200), expected);
            return false;
        }
        if (parts.size() == 1) {
            *error = QStringLiteral("The URL names no session after /ws/; %1").arg(expected);
            return false;
        }
        s = QUrl::fromPercentEncoding(parts.at(1).toUtf8());
        if (!validateName(s, QStringLiteral("The session in the URL"), error))
            return false;
        if (parts.size() == 3) {
            u = QUrl::fromPercentEncoding(parts.at(2).toUtf8());
            if (!validateName(u, QStringLiteral("The user in the URL"), error))
                return false;
        }
    }
    url.setPath(QString());
    *server = url;
    *session = s;
    *user = u;
    return true;
}

QString SessionUrl::shareUrl(const QString &server, const QString &session)
{
    QString base = server;
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    if (session.isEmpty())
        return base;
    return base + QLatin1String("/ws/") + QString::fromLatin1(QUrl::toPercentEncoding(session));
}

bool SessionUrl::validateName(const QString &name, const QString &what, QString *error)
{
    if (name.trimmed().isEmpty()) {
        *error = QStringLiteral("%1 must not be empty").arg(what);
        return false;
    }
    if (name.size() > Protocol::MaxNameLength) {
        *error = QStringLiteral("%1 is longer than %2 characters").arg(what).arg(Protocol::MaxNameLength);
        return false;
    }
    for (const QChar c : name) {
        if (c == QLatin1Char('/') || c == QLatin1Char('\\') || c.category() == QChar::Other_Control) {
            *error = QStringLiteral("%1 must not contain '/', '\\' or control characters").arg(what);
            return false;
        }
    }
    return true;
}

QUrl SessionUrl::endpoint(const QUrl &server, const QString &session, const QString &user)
{
    QUrl url = server;
    QString base = server.path(QUrl::FullyEncoded);
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    const QString path = base + QLatin1String("/ws/")
        + QString::fromLatin1(QUrl::toPercentEncoding(session)) + QLatin1Char('/')
        + QString::fromLatin1(QUrl::toPercentEncoding(user));
    url.setPath(path, QUrl::StrictMode);
    url.setQuery(QString());
    url.setFragment(QString());
    return url;
}

bool SessionUrl::parsePath(const QString &path, QString *session, QString *user, QString *error)
{
    const QStringList parts = path.split(QLatin1Char('/'));
    // "", "ws", session, user
    if (parts.size() != 4 || !parts.at(0).isEmpty() || parts.at(1) != QLatin1String("ws")) {
        *error = QStringLiteral("invalid path; expected /ws/<session_id>/<user_id>");
        return false;
    }
    const QString s = QUrl::fromPercentEncoding(parts.at(2).toUtf8());
    const QString u = QUrl::fromPercentEncoding(parts.at(3).toUtf8());
    if (!validateName(s, QStringLiteral("session_id"), error) || !validateName(u, QStringLiteral("user_id"), error))
        return false;
    *session = s;
    *user = u;
    return true;
}

} // namespace Optiverse::Collab
