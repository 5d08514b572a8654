// SPDX-License-Identifier: MIT
#pragma once

#include <QHostAddress>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace Optiverse::Collab {

/// The plugin's command-line options (--collab-*), taken from the arguments
/// the host did not recognise. Other arguments are ignored: they may belong to
/// other plugins.
class PluginOptions
{
public:
    QUrl connectUrl;          ///< --collab-connect ws://HOST:PORT (its /ws/SESSION[/USER] path goes to session, name)
    QString session;          ///< --collab-session NAME
    QString name;             ///< --collab-name NAME
    bool host = false;        ///< --collab-host [ADDR:]PORT given
    QHostAddress hostAddress; ///< its address (default 0.0.0.0)
    quint16 hostPort = 0;
    QString password;         ///< first line of --collab-password-file FILE (for --collab-host too)
    QByteArray pinnedSha256;  ///< --collab-pin SHA256 (wss:// only)
    bool advertise = true;    ///< false with --collab-no-advertise (the --collab-host server stays unannounced)
    // Session history.
    QString replayFile;       ///< --collab-replay FILE: play a recording into the scene, no connection
    qint64 replayUntil = -1;  ///< --collab-replay-until SEQ (with --collab-replay)
    qint64 restoreSeq = -1;   ///< --collab-restore SEQ: restore the session to SEQ right after joining

    /// Parses @p arguments. On error returns false with a message naming the option.
    static bool parse(const QStringList &arguments, PluginOptions *out, QString *error);
    static QString help();
    /// The user's default display name: $USER, else "user".
    static QString defaultUserName();
};

} // namespace Optiverse::Collab
