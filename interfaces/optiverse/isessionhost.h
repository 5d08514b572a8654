// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

/// Separately versioned optional interface, obtained with
/// Optiverse::queryInterface<Optiverse::ISessionHost>(host).
#define OPTIVERSE_ISESSIONHOST_IID "org.optiverse.ISessionHost/1.0"

namespace Optiverse {

class IPlugin;

/**
 * Optional: lets a plugin that shares the document with other people (a
 * collaboration session) tell the host what the user must know about it.
 *
 * - The window title: a host shows a non-empty session title in its main
 *   window's title (the reference host: "<title> — Optiverse Host Stub"),
 *   so two windows of two users can be told apart.
 * - Leaving: while a plugin's shutdown warning is non-empty, unloading that
 *   plugin or quitting ends something for other people (e.g. they are
 *   connected to a server running inside this application). Before either,
 *   the host shows the warning and asks the user to confirm; on "no" it does
 *   neither. Quitting without a window system (scripts, --quit-after) does not ask.
 *
 * Both are plain values the plugin keeps current; the host never calls into
 * the plugin for them. Plugins must work without this interface: a host that
 * lacks it returns nullptr from IHost::queryInterface().
 *
 * @p plugin identifies the caller (the same pointer the host initialised).
 * Values are forgotten when the plugin is shut down. Threading: GUI thread
 * only. Owned by the host, valid from initialize() until shutdown() returns.
 *
 * @since ISessionHost 1.0
 */
class ISessionHost
{
public:
    static constexpr const char *IID = OPTIVERSE_ISESSIONHOST_IID;

    virtual ~ISessionHost() = default;

    /// Sets @p plugin's part of the window title, e.g. "alice — lab"; empty: none.
    virtual void setSessionTitle(IPlugin *plugin, const QString &title) = 0;

    /// Sets the sentence shown before @p plugin is unloaded or the host quits,
    /// e.g. "2 other users are connected to the session you host: it ends for
    /// them." Empty: leaving needs no confirmation.
    virtual void setShutdownWarning(IPlugin *plugin, const QString &warning) = 0;
};

} // namespace Optiverse
