// SPDX-License-Identifier: MIT
#pragma once

class QMainWindow;
class QMenu;
class QWidget;

namespace Optiverse {

class IScene;

/**
 * What a host application offers a plugin.
 *
 * A host creates one IHost for its main window and passes it to
 * IPlugin::initialize(). It must stay valid until IPlugin::shutdown() returns.
 *
 * Threading: GUI thread only.
 *
 * Symmetry rule (what makes unloading safe): everything a plugin adds through
 * IHost, it removes through IHost in IPlugin::shutdown(), in reverse order.
 * Objects passed in stay owned by the plugin; the host only displays them.
 *
 * @since 1.0
 */
class IHost
{
public:
    virtual ~IHost() = default;

    /// The main window, to parent dialogs. Owned by the host; never null.
    virtual QMainWindow *mainWindow() const = 0;

    /// Adds @p menu to the menu bar (before the Help menu, if any).
    /// Ownership stays with the plugin.
    virtual void addMenu(QMenu *menu) = 0;

    /// Removes a menu added with addMenu(). Does not delete it.
    virtual void removeMenu(QMenu *menu) = 0;

    /// Adds @p widget as a permanent widget at the right of the status bar.
    /// Ownership stays with the plugin.
    virtual void addStatusWidget(QWidget *widget) = 0;

    /// Removes a widget added with addStatusWidget(). Does not delete it.
    virtual void removeStatusWidget(QWidget *widget) = 0;

    /// The scene and its command API. Owned by the host; never null.
    virtual IScene *scene() const = 0;

    /**
     * Optional, separately versioned host interfaces (e.g.
     * IPresenceHost::IID). Returns a pointer owned by the host, valid until
     * IPlugin::shutdown() returns, or nullptr when the host does not offer
     * @p iid. Use Optiverse::queryInterface<T>(host) for a typed result.
     */
    virtual void *queryInterface(const char *iid) const
    {
        (void)iid;
        return nullptr;
    }
};

/// Typed form of IHost::queryInterface(): T must define a static IID. @since 1.0
template<typename T>
T *queryInterface(const IHost *host)
{
    return host ? static_cast<T *>(host->queryInterface(T::IID)) : nullptr;
}

} // namespace Optiverse
