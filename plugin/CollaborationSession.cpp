// SPDX-License-Identifier: MIT
#include "CollaborationSession.h"

#include "CollabServer.h"
#include "OwnerTokens.h"
#include "SessionUrl.h"

namespace Optiverse::Collab {

CollaborationSession::CollaborationSession(IScene *scene, QObject *parent)
    : QObject(parent)
    , m_client(this)
    , m_sync(scene, &m_client, this)
{
    // The owner of a session stays its owner when it comes back, even after
    // a restart of the application: the token goes into the settings.
    connect(&m_client, &CollabClient::ownerTokenChanged, this, [this](const QString &token, const QString &previous) {
        OwnerTokens::store(m_client.serverUrl(), m_client.session(), m_client.requestedName(), token, previous);
    });
}

CollaborationSession::~CollaborationSession()
{
    shutdown();
}

bool CollaborationSession::startServer(const QHostAddress &address, quint16 port, QString *error,
                                       const QString &password)
{
    stopServer();
    ServerConfig config;
    config.password = password;
    config.advertise = m_advertise;
    config.serverName = m_serverName;
    auto server = std::make_unique<CollabServer>(config);
    if (!server->listen(address, port, error))
        return false;
    m_server = std::move(server);
    emit serverStateChanged(true);
    return true;
}

void CollaborationSession::stopServer()
{
    if (!m_server)
        return;
    m_server->close();
    m_server.reset();
    emit serverStateChanged(false);
}

void CollaborationSession::setAdvertising(bool advertise, const QString &serverName)
{
    m_advertise = advertise;
    m_serverName = serverName;
}

bool CollaborationSession::isServerRunning() const
{
    return m_server && m_server->isListening();
}

QStringList CollaborationSession::shareUrls() const
{
    return m_server ? m_server->shareUrls() : QStringList();
}

QStringList CollaborationSession::shareUrls(const QString &session) const
{
    QStringList urls = shareUrls();
    for (QString &url : urls)
        url = SessionUrl::shareUrl(url, session);
    return urls;
}

QUrl CollaborationSession::localServerUrl() const
{
    if (!m_server)
        return {};
    QHostAddress address = m_server->address();
    if (address == QHostAddress::AnyIPv4 || address == QHostAddress::Any || address == QHostAddress::AnyIPv6)
        address = QHostAddress::LocalHost;
    QUrl url;
    url.setScheme(QStringLiteral("ws"));
    url.setHost(address.toString());
    url.setPort(m_server->port());
    return url;
}

void CollaborationSession::join(const QUrl &server, const QString &session, const QString &name,
                                SyncManager::JoinMode mode, const QString &password, const QByteArray &pinnedSha256)
{
    m_sync.setJoinMode(mode);
    m_client.setPassword(password);
    m_client.setPinnedCertificate(pinnedSha256);
    m_client.setOwnerToken(OwnerTokens::load(server, session, name));
    m_client.connectToServer(server, session, name);
    if (m_server && server == localServerUrl())
        emit hostingSession(session, shareUrls(session));
}

void CollaborationSession::leave()
{
    m_client.disconnectFromServer();
}

void CollaborationSession::shutdown()
{
    leave();
    stopServer();
}

} // namespace Optiverse::Collab
