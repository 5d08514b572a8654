// SPDX-License-Identifier: MIT
#pragma once

#include <QSslConfiguration>
#include <QTcpServer>

namespace Optiverse::Collab {

/**
 * A QTcpServer whose accepted sockets are QSslSockets already running the
 * server side of the TLS handshake. They are handed out at once (not after
 * the handshake, as QSslServer does), so the collaboration server treats them
 * like plain sockets: TCP_NODELAY, one deadline for TLS plus WebSocket
 * handshake, then QWebSocketServer::handleConnection(), which reads the
 * decrypted bytes.
 */
class TlsTcpServer : public QTcpServer
{
    Q_OBJECT
public:
    explicit TlsTcpServer(const QSslConfiguration &configuration, QObject *parent = nullptr);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    QSslConfiguration m_configuration;
};

} // namespace Optiverse::Collab
