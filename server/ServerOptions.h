// SPDX-License-Identifier: MIT
#pragma once

#include "ServerConfig.h"

#include <QHostAddress>
#include <QStringList>

namespace Optiverse::Collab {

/// Command line of optiverse-collab-server.
struct ServerOptions
{
    QHostAddress host{QHostAddress::AnyIPv4};
    QString hostText = QStringLiteral("0.0.0.0");
    quint16 port = 8765;
    bool debug = false;
    ServerConfig config;
    /// --export SESSION FILE: write that session's recording and exit.
    bool exportRequested = false;
    QString exportSession;
    QString exportFile;
    /// --salvage NEWDIR: copy what can be read of --data-dir into NEWDIR and exit.
    QString salvageDir;

    /// Parses @p arguments (argv as strings). Returns false with a message
    /// for the user in @p error; @p exitNow is set for --help/--version.
    static bool parse(const QStringList &arguments, ServerOptions *out, QString *error, bool *exitNow);
};

} // namespace Optiverse::Collab
