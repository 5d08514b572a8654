// SPDX-License-Identifier: MIT
#include "TlsTcpServer.h"

#include <QSslSocket>

namespace Optiverse::Collab {

TlsTcpServer::TlsTcpServer(const QSslConfiguration &configuration, QObject *parent)
    : QTcpServer(parent)
    , m_configuration(configuration)
{
}

void TlsTcpServer::incomingConnection(qintptr descriptor)
{
    auto *socket = new QSslSocket(this);
    socket->setSslConfiguration(m_configuration);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    addPendingConnection(socket);
    socket->startServerEncryption();
}

} // namespace Optiverse::Collab
