// SPDX-License-Identifier: MIT
#include "OriginalServer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QWebSocket>

namespace {
QString text(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}
const QString Timestamp = QStringLiteral("2025-10-28T12:00:00");
} // namespace

OriginalServer::OriginalServer(QObject *parent)
    : QObject(parent), m_server(QStringLiteral("original"), QWebSocketServer::NonSecureMode)
{
    connect(&m_server, &QWebSocketServer::newConnection, this, &OriginalServer::onNewConnection);
}

OriginalServer::~OriginalServer()
{
    // Closing sockets report "disconnected" to handlers that use our members.
    const auto sockets = findChildren<QWebSocket *>();
    for (QWebSocket *socket : sockets) {
        socket->disconnect(this);
        delete socket;
    }
}

bool OriginalServer::listen()
{
    return m_server.listen(QHostAddress::LocalHost, 0);
}

void OriginalServer::onNewConnection()
{
    while (QWebSocket *socket = m_server.nextPendingConnection()) {
        socket->setParent(this);
        const QStringList parts = socket->requestUrl().path().split(QLatin1Char('/'), Qt::SkipEmptyParts);
        if (parts.size() < 3 || parts.at(0) != QLatin1String("ws")) {
            socket->close(QWebSocketProtocol::CloseCodePolicyViolated, QStringLiteral("Invalid path"));
            continue;
        }
        const QString session = parts.at(1), user = parts.at(2);
        m_connections.insert(user, socket);
        const bool first = !m_sessions.contains(session) || m_sessions.value(session).host.isEmpty();
        if (first) {
            m_sessions.insert(session, {QJsonObject{{QLatin1String("items"), QJsonArray()},
                                                    {QLatin1String("version"), 0},
                                                    {QLatin1String("timestamp"), Timestamp}},
                                        user});
        }
        QJsonArray users;
        for (auto it = m_connections.cbegin(); it != m_connections.cend(); ++it)
            users.append(QJsonObject{{QLatin1String("user_id"), it.key()}});
        socket->sendTextMessage(text({{QLatin1String("type"), QLatin1String("connection:ack")},
                                      {QLatin1String("session_id"), session},
                                      {QLatin1String("user_id"), user},
                                      {QLatin1String("is_host"), first},
                                      {QLatin1String("users"), users},
                                      {QLatin1String("timestamp"), Timestamp}}));
        if (!first) {
            socket->sendTextMessage(text({{QLatin1String("type"), QLatin1String("sync:full_state")},
                                          {QLatin1String("state"), m_sessions.value(session).state},
                                          {QLatin1String("from_server"), true}}));
        }
        sendToOthers(user, text({{QLatin1String("type"), QLatin1String("user:joined")}, {QLatin1String("user_id"), user}}));
        connect(socket, &QWebSocket::textMessageReceived, this,
                [this, socket, session, user](const QString &t) { onText(socket, session, user, t); });
        connect(socket, &QWebSocket::disconnected, this, [this, socket, user] {
            m_connections.remove(user); // even when a later "user" replaced this one
            sendToOthers(user, text({{QLatin1String("type"), QLatin1String("user:left")}, {QLatin1String("user_id"), user}}));
            socket->deleteLater();
        });
    }
}

void OriginalServer::sendToOthers(const QString &user, const QString &message)
{
    for (auto it = m_connections.cbegin(); it != m_connections.cend(); ++it)
        if (it.key() != user)
            it.value()->sendTextMessage(message);
}

void OriginalServer::onText(QWebSocket *socket, const QString &session, const QString &user, const QString &message)
{
    const QJsonObject data = QJsonDocument::fromJson(message.toUtf8()).object();
    const QString type = data.value(QLatin1String("type")).toString();
    if (type == QLatin1String("ping")) {
        socket->sendTextMessage(text({{QLatin1String("type"), QLatin1String("pong")}, {QLatin1String("timestamp"), Timestamp}}));
    } else if (type == QLatin1String("sync:full_state")) {
        if (m_sessions.contains(session) && m_sessions.value(session).host == user)
            m_sessions[session].state = data.value(QLatin1String("state")).toObject();
        sendToOthers(user, message);
    } else if (type == QLatin1String("sync:request")) {
        if (m_sessions.contains(session)) {
            socket->sendTextMessage(text({{QLatin1String("type"), QLatin1String("sync:full_state")},
                                          {QLatin1String("state"), m_sessions.value(session).state},
                                          {QLatin1String("from_server"), true},
                                          {QLatin1String("conflict_resolution"), QLatin1String("host_wins")}}));
        }
    } else if (type == QLatin1String("command")) {
        sendToOthers(user, message);
    }
}
